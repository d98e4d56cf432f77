using System.Text.Json;
using TuneOperator.Api;
using TuneOperator.Data.ModelFiles;
using TuneOperator.Data.Tokenization;
using TuneOperator.Testing.Tools;
using TuneOperator.Trainer.Export;
using TuneOperator.Trainer.Models;
using TuneOperator.Trainer.Tests.Training;
using TuneOperator.Trainer.Training;
using Xunit;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Tests.Engine;

/// <summary>
/// The files a run exports are read by reference implementations, independently of our code: PyTorch (Debian's
/// python3-torch) runs the exported model and the PEFT adapter from the raw safetensors bytes and config.json and gets
/// our logits; the reference JS tokenizer (@lenml/tokenizers) reads the exported tokenizer.json and gets our ids.
/// </summary>
[Collection(SerialTorchCollection.Name)]
public sealed class ReferenceImplementationTests : IDisposable
{
    private const string Python = "/usr/bin/python3";
    private readonly EngineTestKit kit = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => kit.Dispose();

    [Fact]
    public async Task PyTorch_reads_the_exported_model_and_peft_adapter_and_computes_our_logits()
    {
        var probe = Run(Python, ["-c", "import torch"]);
        Assert.SkipWhen(probe is null || probe.ExitCode != 0, "python3-torch is not installed (apt-get install python3-torch): /usr/bin/python3 cannot import torch.");
        var (baseDirectory, adapterDirectory) = await TrainBaseAndAdapter();
        var ids = kit.Tokenizer.Encode("copy a b c\nd e f", addSpecialTokens: true).Select(i => (long)i).ToArray();

        var result = Run(Python, [Tool("hf_reference.py"), Repository.Root, baseDirectory, adapterDirectory, string.Join(',', ids)])!;

        Assert.True(result.ExitCode == 0, result.ToString());
        using var reference = JsonDocument.Parse(result.Output);
        using var scope = NewDisposeScope();
        using var model = ModelLoader.Load(baseDirectory);
        model.eval();
        using var noGrad = no_grad();
        var input = tensor(ids).unsqueeze(0);
        var ours = model.call(input)[0].reshape(-1).data<float>().ToArray();
        AssertClose(ours, Floats(reference.RootElement.GetProperty("base")), "base model");
        ModelExporter.LoadAdapter(model, adapterDirectory);
        model.eval();
        var adapted = model.call(input)[0].reshape(-1).data<float>().ToArray();
        AssertClose(adapted, Floats(reference.RootElement.GetProperty("adapted")), "model with the PEFT adapter");
        Assert.True(adapted.Zip(ours).Max(p => Math.Abs(p.First - p.Second)) > 1e-3, "the adapter should change the logits");

        AssertLayout(Path.Combine(baseDirectory, SafetensorsCheckpoint.SingleFileName), reference.RootElement.GetProperty("tensors"));
        AssertLayout(Path.Combine(adapterDirectory, ModelExporter.AdapterWeightsFileName), reference.RootElement.GetProperty("adapterTensors"));
        Assert.Contains(
            reference.RootElement.GetProperty("adapterTensors").EnumerateObject().Select(p => p.Name),
            name => name == "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
    }

    [Fact]
    public async Task Hugging_Faces_own_safetensors_parser_reads_the_exported_model_and_adapter_headers()
    {
        var node = Run("node", ["--version"]);
        Assert.SkipWhen(node is null || node.ExitCode != 0, "node is not installed (apt-get install nodejs): @huggingface/hub cannot run.");
        var (baseDirectory, adapterDirectory) = await TrainBaseAndAdapter();

        foreach (var file in new[] { Path.Combine(baseDirectory, SafetensorsCheckpoint.SingleFileName), Path.Combine(adapterDirectory, ModelExporter.AdapterWeightsFileName) })
        {
            var result = Run("node", [Tool("hub_safetensors.mjs"), Repository.Root, file])!;
            Assert.True(result.ExitCode == 0, result.ToString());
            using var parsed = JsonDocument.Parse(result.Output);
            AssertLayout(file, parsed.RootElement.GetProperty("tensors"));
            using var ours = SafetensorsFile.Open(file);
            var elements = ours.Header.Tensors.Values.Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));
            Assert.Equal(elements, parsed.RootElement.GetProperty("parameterCount").GetProperty("F32").GetInt64());
        }
    }

    [Fact]
    public async Task The_reference_js_tokenizer_reads_the_exported_tokenizer_and_gives_our_ids()
    {
        var node = Run("node", ["--version"]);
        Assert.SkipWhen(node is null || node.ExitCode != 0, "node is not installed (apt-get install nodejs): the reference JS tokenizer cannot run.");
        var output = kit.PathOf("out");
        var spec = kit.Plan(kit.WriteChats("train.jsonl", EngineTestKit.CopyRows(3).Take(32)), DatasetFormat.Chat, output);
        spec.Hyperparameters.MaxSteps = 1;
        Assert.NotNull((await EngineTestKit.Runner().RunAsync(EngineTestKit.Request(spec), new TrainingControl(), new RecordingReporter(), Ct)).Completed);
        string[] texts =
        [
            "copy a b c",
            "  leading and trailing spaces  ",
            "digits 1234567890 and 3.14",
            "code: if (x != y) { return [1, 2]; }",
            "emoji 🤖🎉 and accents: déjà vu, naïve",
            "non-Latin: 日本語のテキスト, русский текст, ελληνικά",
            kit.Tokenizer.ApplyChatTemplate([new ChatMessage("user", "copy a b"), new ChatMessage("assistant", "a b")], addGenerationPrompt: false),
        ];
        var textsPath = kit.PathOf("texts.json");
        await File.WriteAllTextAsync(textsPath, JsonSerializer.Serialize(texts), Ct);

        var result = Run("node", [Tool("tokenize.mjs"), Repository.Root, output, textsPath])!;

        Assert.True(result.ExitCode == 0, result.ToString());
        var reference = JsonSerializer.Deserialize<int[][]>(result.Output)!;
        var exported = HuggingFaceTokenizer.Load(output);
        Assert.Equal(texts.Length, reference.Length);
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(reference[i], exported.Encode(texts[i]));
        }
    }

    private async Task<(string Base, string Adapter)> TrainBaseAndAdapter()
    {
        var baseDirectory = kit.PathOf("base");
        var train = kit.WriteChats("train.jsonl", EngineTestKit.CopyRows(3).Take(64));
        var baseSpec = kit.Plan(train, DatasetFormat.Chat, baseDirectory);
        baseSpec.Hyperparameters.MaxSteps = 4;
        Assert.NotNull((await EngineTestKit.Runner().RunAsync(EngineTestKit.Request(baseSpec), new TrainingControl(), new RecordingReporter(), Ct)).Completed);

        var adapterDirectory = kit.PathOf("adapter");
        var spec = kit.Plan(train, DatasetFormat.Chat, adapterDirectory);
        spec.Model = new ModelSpec { Source = "file://" + baseDirectory };
        spec.Method = new MethodSpec
        {
            Type = MethodType.Lora,
            Lora = new LoraSpec { Rank = 4, Alpha = 8, Dropout = 0, TargetModules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] },
        };
        spec.Hyperparameters.MaxSteps = 6;
        spec.Output = new OutputSpec { Location = adapterDirectory, Format = OutputFormat.Adapter };
        Assert.NotNull((await EngineTestKit.Runner().RunAsync(EngineTestKit.Request(spec), new TrainingControl(), new RecordingReporter(), Ct)).Completed);
        return (baseDirectory, adapterDirectory);
    }

    private static void AssertLayout(string path, JsonElement reference)
    {
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(file.Header.Tensors.Keys.Order(StringComparer.Ordinal), reference.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        foreach (var property in reference.EnumerateObject())
        {
            var info = file.Header.Tensors[property.Name];
            var values = property.Value.EnumerateArray().ToArray();
            Assert.Equal(info.DType.ToHeaderName(), values[0].GetString());
            Assert.Equal(info.Shape, values[1].EnumerateArray().Select(e => e.GetInt64()));
            Assert.Equal([info.Begin, info.End], values[2].EnumerateArray().Select(e => e.GetInt64()));
        }
    }

    private static float[] Floats(JsonElement array) => [.. array.EnumerateArray().Select(e => (float)e.GetDouble())];

    private static void AssertClose(float[] ours, float[] reference, string what)
    {
        Assert.Equal(reference.Length, ours.Length);
        var gap = ours.Zip(reference).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(gap <= 1e-4, $"{what}: our logits differ from PyTorch's by up to {gap}");
    }

    private static string Tool(string name) => Repository.Path("tests", "TuneOperator.Trainer.Tests", "Reference", name);

    /// <summary>Runs a program; null when it cannot be started (not installed).</summary>
    private static ToolResult? Run(string program, IEnumerable<string> arguments)
    {
        try
        {
            return ExternalTools.Run(program, arguments);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
