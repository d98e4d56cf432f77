using System.Buffers.Binary;
using System.Text.Json;
using TorchSharp;
using TuneOperator.Data.ModelFiles;
using TuneOperator.Trainer.Engine;
using TuneOperator.Trainer.Export;
using TuneOperator.Trainer.Models;
using TuneOperator.Trainer.Peft;
using Xunit;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Tests.Models;

public sealed class ExportTests
{
    public ExportTests() => TorchRuntime.Initialize(2);

    private static (LanguageModel Model, LoraAdapter Adapter) TrainedLora(ModelConfig config, IReadOnlyList<string> targets)
    {
        var model = ModelFactory.Create(config, seed: 1);
        var adapter = Lora.Apply(model, new LoraOptions(4, 8, 0.05, targets), seed: 2);
        using var ids = TinyModels.Ids([1, 5, 9, 13, 17, 21, 25, 29]);
        TinyModels.TrainLanguageModel(model, Lora.TrainableParameters(model), ids, steps: 4, learningRate: 0.02);
        return (model, adapter);
    }

    [Fact]
    public void Adapter_is_written_in_peft_layout_and_loads_back_onto_the_base()
    {
        using var directory = new TempDirectory();
        var (model, adapter) = TrainedLora(TinyModels.Llama(), ["q_proj", "v_proj"]);
        using var _ = model;
        File.WriteAllText(directory.Combine("tokenizer_config.json"), "{}");
        ModelExporter.SaveAdapter(model, adapter, directory.Combine("adapter"), "/models/tiny", tokenizerSource: directory.Path);

        using (var json = JsonDocument.Parse(File.ReadAllText(directory.Combine("adapter/adapter_config.json"))))
        {
            var root = json.RootElement;
            Assert.Equal("LORA", root.GetProperty("peft_type").GetString());
            Assert.Equal("CAUSAL_LM", root.GetProperty("task_type").GetString());
            Assert.Equal(4, root.GetProperty("r").GetInt32());
            Assert.Equal(8, root.GetProperty("lora_alpha").GetDouble());
            Assert.Equal(0.05, root.GetProperty("lora_dropout").GetDouble());
            Assert.Equal("/models/tiny", root.GetProperty("base_model_name_or_path").GetString());
            Assert.Equal(["q_proj", "v_proj"], root.GetProperty("target_modules").EnumerateArray().Select(item => item.GetString()));
        }

        using (var file = SafetensorsFile.Open(directory.Combine("adapter/adapter_model.safetensors")))
        {
            Assert.Equal(8, file.Header.Tensors.Count);
            Assert.All(file.Header.Tensors.Keys, key => Assert.Matches(@"^base_model\.model\.model\.layers\.[01]\.self_attn\.[qv]_proj\.lora_[AB]\.weight$", key));
            Assert.Equal("pt", file.Header.Metadata["format"]);
        }

        Assert.True(File.Exists(directory.Combine("adapter/tokenizer_config.json")));

        // The base model is the same seeded init; loading the adapter reproduces the trained logits.
        using var fresh = ModelFactory.Create(TinyModels.Llama(), seed: 1);
        var loaded = ModelExporter.LoadAdapter(fresh, directory.Combine("adapter"));
        Assert.Equal(adapter.Modules, loaded.Modules);
        using var ids = TinyModels.Ids([3, 1, 4, 1, 5]);
        using var noGrad = torch.no_grad();
        model.eval();
        fresh.eval();
        Assert.True(TinyModels.MaxDifference(model.forward(ids), fresh.forward(ids)) < 1e-6);
    }

    [Fact]
    public void Merged_export_loads_as_a_plain_model_with_the_adapter_logits()
    {
        foreach (var config in new[] { TinyModels.Llama(tied: true), TinyModels.Gpt2() })
        {
            using var directory = new TempDirectory();
            var (model, _) = TrainedLora(config, [LoraOptions.AllLinear]);
            using var owned = model;
            ModelExporter.SaveModel(model, directory.Path);
            Assert.All(Lora.FindLayers(model), layer => Assert.False(layer.Layer.Merged));

            using (var file = SafetensorsFile.Open(directory.Combine("model.safetensors")))
            {
                Assert.DoesNotContain(file.Header.Tensors.Keys, key => key.Contains("lora", StringComparison.Ordinal));
            }

            using var merged = ModelLoader.Load(directory.Path);
            using var ids = TinyModels.Ids([3, 1, 4, 1, 5, 9]);
            using var noGrad = torch.no_grad();
            Assert.True(TinyModels.MaxDifference(model.forward(ids), merged.forward(ids)) < 1e-5, config.ModelType);
        }
    }

    [Fact]
    public void Classification_adapter_saves_the_score_head_as_peft_does()
    {
        using var directory = new TempDirectory();
        var config = TinyModels.Gpt2(ModelHead.SequenceClassification);
        using var model = ModelFactory.Create(config, seed: 1);
        var adapter = Lora.Apply(model, new LoraOptions(2, 4, 0, ["c_attn"]));
        Assert.Equal(["score"], adapter.ModulesToSave);
        Assert.Equal(2 * 2 + 1, Lora.TrainableParameters(model).Count);
        using (torch.no_grad())
        {
            model.state_dict()["score.weight"].add_(1);
        }

        ModelExporter.SaveAdapter(model, adapter, directory.Path, "gpt2-tiny");
        using (var json = JsonDocument.Parse(File.ReadAllText(directory.Combine("adapter_config.json"))))
        {
            Assert.Equal("SEQ_CLS", json.RootElement.GetProperty("task_type").GetString());
            Assert.True(json.RootElement.GetProperty("fan_in_fan_out").GetBoolean());
            Assert.Equal("score", json.RootElement.GetProperty("modules_to_save")[0].GetString());
        }

        using var file = SafetensorsFile.Open(directory.Combine("adapter_model.safetensors"));
        Assert.Contains("base_model.model.score.weight", file.Header.Tensors.Keys);
        Assert.Contains("base_model.model.transformer.h.1.attn.c_attn.lora_A.weight", file.Header.Tensors.Keys);

        using var causal = ModelFactory.Create(TinyModels.Gpt2());
        var error = Assert.Throws<ModelFileException>(() => ModelExporter.LoadAdapter(causal, directory.Path));
        Assert.Contains("task_type 'SEQ_CLS'", error.Message, StringComparison.Ordinal);

        using var classifier = ModelFactory.Create(config, seed: 1);
        ModelExporter.LoadAdapter(classifier, directory.Path);
        Assert.True(TinyModels.Identical(classifier.state_dict()["score.weight"], model.state_dict()["score.weight"]));
    }

    [Fact]
    public void Adapter_with_a_wrong_rank_names_the_tensor()
    {
        using var directory = new TempDirectory();
        var (model, adapter) = TrainedLora(TinyModels.Llama(), ["q_proj"]);
        using var _ = model;
        ModelExporter.SaveAdapter(model, adapter, directory.Path, "tiny");
        var configPath = directory.Combine("adapter_config.json");
        File.WriteAllText(configPath, File.ReadAllText(configPath).Replace("\"r\": 4", "\"r\": 2", StringComparison.Ordinal));

        using var fresh = ModelFactory.Create(TinyModels.Llama(), seed: 1);
        var error = Assert.Throws<ModelFileException>(() => ModelExporter.LoadAdapter(fresh, directory.Path));
        Assert.Contains("'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight' has shape [4, 16] but the model expects [2, 16]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Exported_model_file_is_aligned_standard_safetensors()
    {
        using var directory = new TempDirectory();
        using var model = ModelFactory.Create(TinyModels.Llama(), seed: 1);
        ModelExporter.SaveModel(model, directory.Path, new ModelExportOptions(Dtype: ScalarType.Float16));
        var bytes = File.ReadAllBytes(directory.Combine("model.safetensors"));
        var headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + headerLength) % 8);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        var tensors = header.RootElement.EnumerateObject().Where(property => property.Name != "__metadata__").ToList();
        Assert.Equal(model.state_dict().Count, tensors.Count);
        Assert.All(tensors, tensor => Assert.Equal("F16", tensor.Value.GetProperty("dtype").GetString()));
        var end = tensors.Max(tensor => tensor.Value.GetProperty("data_offsets")[1].GetInt64());
        Assert.Equal(bytes.Length, 8 + headerLength + end);
        var embed = header.RootElement.GetProperty("model.embed_tokens.weight");
        Assert.Equal([32L, 16], embed.GetProperty("shape").EnumerateArray().Select(item => item.GetInt64()));
    }

    [Fact]
    public void Exporting_into_an_output_keeps_its_checkpoints_and_other_files_and_replaces_the_model_files()
    {
        using var directory = new TempDirectory();
        var output = directory.Combine("output");
        var checkpoint = Path.Combine(output, "checkpoints", "step-00000004");
        Directory.CreateDirectory(checkpoint);
        File.WriteAllText(Path.Combine(checkpoint, "trainer_state.json"), "{\"step\":4}");
        File.WriteAllText(Path.Combine(output, "notes.bin"), "the user's");
        using var model = ModelFactory.Create(TinyModels.Llama(), seed: 1);

        ModelExporter.SaveModel(model, output);
        var digest = ContentDigest.OfDirectory(output, TestContext.Current.CancellationToken);
        using var second = ModelFactory.Create(TinyModels.Llama(), seed: 1);
        ModelExporter.SaveModel(second, output);

        Assert.Equal("{\"step\":4}", File.ReadAllText(Path.Combine(checkpoint, "trainer_state.json")));
        Assert.Equal("the user's", File.ReadAllText(Path.Combine(output, "notes.bin")));
        Assert.True(File.Exists(Path.Combine(output, "config.json")));
        Assert.True(File.Exists(Path.Combine(output, SafetensorsCheckpoint.SingleFileName)));
        Assert.Equal(["output"], Directory.EnumerateFileSystemEntries(directory.Path).Select(Path.GetFileName));
        Assert.Equal(digest, ContentDigest.OfDirectory(output, TestContext.Current.CancellationToken));
        File.WriteAllText(Path.Combine(checkpoint, "trainer_state.json"), "{\"step\":8}");
        Assert.Equal(digest, ContentDigest.OfDirectory(output, TestContext.Current.CancellationToken));
    }
}
