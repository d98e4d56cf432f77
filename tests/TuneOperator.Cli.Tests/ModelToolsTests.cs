using System.Text.Json.Nodes;
using TuneOperator.Cli.Commands;
using TuneOperator.Cli.Local;
using TuneOperator.Data.ModelFiles;
using TuneOperator.Data.Tokenization;
using Xunit;

namespace TuneOperator.Cli.Tests;

public sealed class ModelToolsTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("tune-tools-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string TinyModel()
    {
        var model = Path.Combine(folder, "model");
        Directory.CreateDirectory(model);
        File.WriteAllText(Path.Combine(model, "config.json"), """
            {"architectures":["LlamaForCausalLM"],"model_type":"llama","vocab_size":300,"hidden_size":8,"num_hidden_layers":1,
             "num_attention_heads":2,"num_key_value_heads":2,"intermediate_size":16,"max_position_embeddings":32,
             "rms_norm_eps":1e-05,"rope_theta":10000.0,"tie_word_embeddings":true,"torch_dtype":"float32"}
            """);
        var specs = new List<SafetensorsTensorSpec>
        {
            new("model.embed_tokens.weight", SafetensorsDType.F32, [300, 8]),
            new("model.norm.weight", SafetensorsDType.BF16, [8]),
        };
        SafetensorsWriter.Write(Path.Combine(model, "model.safetensors"), specs, i => new byte[specs[i].ByteLength]);
        var corpus = Enumerable.Range(0, 50).Select(i => $"the review number {i} is positive and the lamp is great").ToList();
        new TokenizerBuilder { VocabularySize = 300 }.Build(corpus).Save(model);
        return model;
    }

    [Fact]
    public void Inspect_shows_architecture_parameters_dtypes_and_tokenizer()
    {
        var model = TinyModel();
        using var output = new StringWriter();

        Assert.Equal(0, ModelToolsCommands.Inspect(model, output));

        var text = output.ToString();
        Assert.Contains("architecture: llama", text, StringComparison.Ordinal);
        Assert.Contains("parameters:   2,408 in 2 tensors", text, StringComparison.Ordinal);
        Assert.Contains("F32 (1 tensors, 2,400 values), BF16 (1 tensors, 8 values)", text, StringComparison.Ordinal);
        Assert.Contains("tokenizer:    300 tokens", text, StringComparison.Ordinal);
        Assert.Contains("chat template:", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Tokenize_json_round_trips_through_the_tokenizer()
    {
        var model = TinyModel();
        using var output = new StringWriter();

        Assert.Equal(0, ModelToolsCommands.Tokenize(model, "the lamp is great", json: true, addSpecialTokens: false, output));

        var node = JsonNode.Parse(output.ToString())!;
        var ids = node["ids"]!.AsArray().Select(n => n!.GetValue<int>()).ToList();
        var tokens = node["tokens"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        var tokenizer = HuggingFaceTokenizer.Load(model);
        Assert.Equal("the lamp is great", tokenizer.Decode(ids));
        Assert.Equal(ids.Select(id => tokenizer.IdToToken(id)), tokens);
    }

    [Fact]
    public void Data_shows_masked_rows_and_dropped_rows_with_line_numbers()
    {
        var model = TinyModel();
        File.WriteAllText(Path.Combine(folder, "train.jsonl"), string.Join('\n',
            """{"instruction": "Is this review positive?", "output": "positive"}""",
            """{"instruction": "", "output": ""}""",
            "not json",
            """{"instruction": "Is the lamp great?", "output": "yes"}"""));
        File.WriteAllText(Path.Combine(folder, "job.yaml"), """
            apiVersion: tuneoperator.io/v1alpha1
            kind: FineTuneJob
            metadata:
              name: data-check
            spec:
              model:
                source: model
              dataset:
                train: train.jsonl
                format: instruction
              objective:
                type: responseOnly
              output:
                location: out
            """);
        using var output = new StringWriter();

        Assert.Equal(0, ModelToolsCommands.Data(Path.Combine(folder, "job.yaml"), 5, output, TestContext.Current.CancellationToken));

        var text = output.ToString();
        Assert.Contains("4 rows read, 2 kept, 2 dropped", text, StringComparison.Ordinal);
        Assert.Contains("[positive", text, StringComparison.Ordinal);
        Assert.Contains("train.jsonl:2", text, StringComparison.Ordinal);
        Assert.Contains("train.jsonl:3", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_quickstart_manifest_is_valid_and_its_second_job_builds_on_the_first()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "TuneOperator.sln")))
        {
            root = Path.GetDirectoryName(root)!;
        }

        var manifest = LocalManifest.Load(Path.Combine(root, "examples", "quickstart", "quickstart.yaml"));

        var jobs = manifest.Resources.Cast<TuneOperator.Api.FineTuneJob>().ToList();
        Assert.Equal(["tiny-base", "review-classifier"], jobs.Select(j => j.Metadata.Name));
        Assert.Equal("tiny-base", jobs[1].Spec.Model.FromJob);
        Assert.True(File.Exists(Path.Combine(LocalManifest.ToLocalPath(jobs[0].Spec.Model.Init!.Tokenizer), "tokenizer.json")));
        Assert.True(File.Exists(LocalManifest.ToLocalPath(jobs[1].Spec.Dataset.Validation!)));
    }
}
