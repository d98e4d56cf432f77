using TorchSharp;
using TuneOperator.Data.ModelFiles;
using TuneOperator.Trainer.Export;
using TuneOperator.Trainer.Models;
using Xunit;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Tests.Models;

public sealed class ModelFilesTests
{
    public ModelFilesTests() => TorchRuntime.Initialize(2);

    [Fact]
    public void Llama_state_dict_keys_are_hugging_face_keys()
    {
        using var model = ModelFactory.Create(TinyModels.Llama(tied: false));
        var shapes = model.state_dict().ToDictionary(pair => pair.Key, pair => pair.Value.shape);
        Assert.Equal([32L, 16], shapes["model.embed_tokens.weight"]);
        Assert.Equal([16L, 16], shapes["model.layers.0.self_attn.q_proj.weight"]);
        Assert.Equal([8L, 16], shapes["model.layers.1.self_attn.k_proj.weight"]);
        Assert.Equal([8L, 16], shapes["model.layers.1.self_attn.v_proj.weight"]);
        Assert.Equal([16L, 16], shapes["model.layers.0.self_attn.o_proj.weight"]);
        Assert.Equal([24L, 16], shapes["model.layers.0.mlp.gate_proj.weight"]);
        Assert.Equal([24L, 16], shapes["model.layers.0.mlp.up_proj.weight"]);
        Assert.Equal([16L, 24], shapes["model.layers.0.mlp.down_proj.weight"]);
        Assert.Equal([16L], shapes["model.layers.0.input_layernorm.weight"]);
        Assert.Equal([16L], shapes["model.layers.0.post_attention_layernorm.weight"]);
        Assert.Equal([16L], shapes["model.norm.weight"]);
        Assert.Equal([32L, 16], shapes["lm_head.weight"]);
        Assert.Equal(1 + (9 * 2) + 2, shapes.Count);
        Assert.DoesNotContain(shapes.Keys, key => key.Contains("bias", StringComparison.Ordinal));
    }

    [Fact]
    public void Tied_and_qwen2_models_have_their_own_key_sets()
    {
        using var tied = ModelFactory.Create(TinyModels.Llama(tied: true));
        Assert.DoesNotContain("lm_head.weight", tied.state_dict().Keys);
        using var qwen = ModelFactory.Create(TinyModels.Llama(architecture: "qwen2"));
        var keys = qwen.state_dict().Keys.ToHashSet();
        Assert.Contains("model.layers.0.self_attn.q_proj.bias", keys);
        Assert.Contains("model.layers.0.self_attn.k_proj.bias", keys);
        Assert.Contains("model.layers.0.self_attn.v_proj.bias", keys);
        Assert.DoesNotContain("model.layers.0.self_attn.o_proj.bias", keys);
    }

    [Fact]
    public void Gpt2_state_dict_keys_are_hugging_face_keys()
    {
        using var model = ModelFactory.Create(TinyModels.Gpt2());
        var shapes = model.state_dict().ToDictionary(pair => pair.Key, pair => pair.Value.shape);
        Assert.Equal([32L, 16], shapes["transformer.wte.weight"]);
        Assert.Equal([64L, 16], shapes["transformer.wpe.weight"]);
        Assert.Equal([16L], shapes["transformer.h.0.ln_1.weight"]);
        Assert.Equal([16L], shapes["transformer.h.0.ln_1.bias"]);
        Assert.Equal([16L, 48], shapes["transformer.h.0.attn.c_attn.weight"]);
        Assert.Equal([48L], shapes["transformer.h.0.attn.c_attn.bias"]);
        Assert.Equal([16L, 16], shapes["transformer.h.1.attn.c_proj.weight"]);
        Assert.Equal([16L, 64], shapes["transformer.h.0.mlp.c_fc.weight"]);
        Assert.Equal([64L, 16], shapes["transformer.h.0.mlp.c_proj.weight"]);
        Assert.Equal([16L], shapes["transformer.ln_f.bias"]);
        Assert.DoesNotContain("lm_head.weight", shapes.Keys);
        Assert.Equal(2 + (12 * 2) + 2, shapes.Count);
    }

    [Fact]
    public void Initialisation_is_seeded()
    {
        using var a = ModelFactory.Create(TinyModels.Llama(), seed: 7);
        using var b = ModelFactory.Create(TinyModels.Llama(), seed: 7);
        using var c = ModelFactory.Create(TinyModels.Llama(), seed: 8);
        using var ids = TinyModels.Ids([1, 2, 3]);
        using var noGrad = torch.no_grad();
        Assert.Equal(0f, TinyModels.MaxDifference(a.forward(ids), b.forward(ids)));
        Assert.True(TinyModels.MaxDifference(a.forward(ids), c.forward(ids)) > 1e-4);
        Assert.Equal(1f, a.state_dict()["model.norm.weight"].mean().ToSingle());
    }

    [Theory]
    [InlineData("llama", false)]
    [InlineData("smollm", true)]
    [InlineData("qwen2", true)]
    [InlineData("mistral", false)]
    [InlineData("gpt2", true)]
    public void Saved_directory_loads_back_with_equal_logits(string architecture, bool tied)
    {
        using var directory = new TempDirectory();
        var config = architecture == "gpt2" ? TinyModels.Gpt2() : TinyModels.Llama(tied: tied, architecture: architecture);
        using var model = ModelFactory.Create(config, seed: 11);
        File.WriteAllText(Path.Combine(directory.Path, "tokenizer.json"), "{}");
        ModelExporter.SaveModel(model, directory.Combine("out"), new ModelExportOptions(TokenizerSource: directory.Path));

        using var loaded = ModelLoader.Load(directory.Combine("out"));
        using var ids = TinyModels.Ids([1, 5, 9, 2], [3, 3, 4, 30]);
        using var noGrad = torch.no_grad();
        Assert.Equal(0f, TinyModels.MaxDifference(model.forward(ids), loaded.forward(ids)));
        Assert.Equal(config.Architecture, loaded.Config.Architecture);
        Assert.True(File.Exists(directory.Combine("out/tokenizer.json")));
        Assert.Equal(["config.json", "model.safetensors", "tokenizer.json", "tune_export.json"], Directory.GetFiles(directory.Combine("out")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(["out", "tokenizer.json"], Directory.GetFileSystemEntries(directory.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("llama", false)]
    [InlineData("qwen2", true)]
    [InlineData("gpt2", true)]
    public void Logits_match_a_scalar_reference_implementation_read_from_the_saved_files(string architecture, bool tied)
    {
        using var directory = new TempDirectory();
        var config = architecture == "gpt2" ? TinyModels.Gpt2() : TinyModels.Llama(tied: tied, architecture: architecture);
        using var model = ModelFactory.Create(config, seed: 12);
        using (torch.no_grad())
        {
            // Non-trivial norms and biases so that every tensor matters.
            foreach (var (name, parameter) in model.named_parameters().Where(pair => pair.parameter.dim() == 1))
            {
                parameter.add_(torch.randn(parameter.shape) * 0.1);
            }
        }

        ModelExporter.SaveModel(model, directory.Path);
        long[] ids = [3, 14, 15, 9, 26, 5, 31];
        var expected = architecture == "gpt2" ? new ReferenceGpt2(directory.Path).Forward(ids) : new ReferenceLlama(directory.Path).Forward(ids);
        using var noGrad = torch.no_grad();
        using var logits = model.forward(TinyModels.Ids(ids));
        var actual = logits.data<float>().ToArray();
        var vocab = (int)logits.shape[2];
        for (var t = 0; t < ids.Length; t++)
        {
            for (var v = 0; v < vocab; v++)
            {
                Assert.True(Math.Abs(expected[t][v] - actual[(t * vocab) + v]) < 1e-4, $"position {t}, token {v}: {expected[t][v]} vs {actual[(t * vocab) + v]}");
            }
        }
    }

    [Fact]
    public void Bfloat16_files_load_into_the_compute_dtype()
    {
        using var directory = new TempDirectory();
        using var model = ModelFactory.Create(TinyModels.Llama(), seed: 2);
        ModelExporter.SaveModel(model, directory.Path, new ModelExportOptions(Dtype: ScalarType.BFloat16));
        using (var file = SafetensorsFile.Open(directory.Combine("model.safetensors")))
        {
            Assert.All(file.Header.Tensors.Values, info => Assert.Equal(SafetensorsDType.BF16, info.DType));
        }

        Assert.Equal("bfloat16", ModelConfig.Load(directory.Path).TorchDtype);
        using var loaded = ModelLoader.Load(directory.Path);
        Assert.All(loaded.parameters(), parameter => Assert.Equal(ScalarType.Float32, parameter.dtype));
        var original = model.state_dict()["model.layers.0.mlp.up_proj.weight"];
        var reloaded = loaded.state_dict()["model.layers.0.mlp.up_proj.weight"];
        Assert.True(TinyModels.MaxDifference(original, reloaded) < 1e-3);

        using var bf16 = ModelLoader.Load(directory.Path, new ModelLoadOptions(Dtype: ScalarType.BFloat16));
        Assert.All(bf16.parameters(), parameter => Assert.Equal(ScalarType.BFloat16, parameter.dtype));
        using var ids = TinyModels.Ids([1, 2, 3, 4]);
        using var noGrad = torch.no_grad();
        using var bf16Logits = bf16.forward(ids);
        Assert.Equal(ScalarType.BFloat16, bf16Logits.dtype);
        Assert.True(TinyModels.MaxDifference(bf16Logits, loaded.forward(ids)) < 0.05);
    }

    [Fact]
    public void Causal_checkpoint_loads_with_a_new_classification_head()
    {
        using var directory = new TempDirectory();
        using var model = ModelFactory.Create(TinyModels.Llama(tied: false), seed: 6);
        ModelExporter.SaveModel(model, directory.Path);

        using var classifier = ModelLoader.Load(directory.Path, new ModelLoadOptions(Head: ModelHead.SequenceClassification, NumLabels: 5));
        Assert.IsType<SequenceClassificationModel>(classifier);
        Assert.Equal([5L, 16], classifier.state_dict()["score.weight"].shape);
        Assert.DoesNotContain("lm_head.weight", classifier.state_dict().Keys);
        Assert.True(TinyModels.Identical(model.state_dict()["model.norm.weight"], classifier.state_dict()["model.norm.weight"]));
        Assert.Equal("LlamaForSequenceClassification", classifier.Config.Architecture);
        using var again = ModelLoader.Load(directory.Path, new ModelLoadOptions(Head: ModelHead.SequenceClassification, NumLabels: 5));
        Assert.True(TinyModels.Identical(classifier.state_dict()["score.weight"], again.state_dict()["score.weight"]), "the new head is seeded");
        Assert.InRange(classifier.state_dict()["score.weight"].std().ToSingle(), 0.01f, 0.03f);

        ModelExporter.SaveModel(classifier, directory.Combine("classifier"));
        using var reloaded = ModelLoader.Load(directory.Combine("classifier"));
        Assert.Equal(ModelHead.SequenceClassification, reloaded.Config.Head);
        Assert.True(TinyModels.Identical(classifier.state_dict()["score.weight"], reloaded.state_dict()["score.weight"]));
    }

    [Fact]
    public void Rope_scaling_changes_the_llama_logits()
    {
        var config = TinyModels.Llama();
        using var plain = ModelFactory.Create(config, seed: 3);
        using var scaled = ModelFactory.Create(config with { RopeScaling = new RopeScaling("linear", 4) }, seed: 3);
        using var ids = TinyModels.Ids([1, 2, 3, 4, 5, 6]);
        using var noGrad = torch.no_grad();
        using var plainLogits = plain.forward(ids);
        using var scaledLogits = scaled.forward(ids);
        // Position 0 is not rotated, so the first token agrees; later ones differ.
        Assert.True(TinyModels.MaxDifference(plainLogits[.., 0], scaledLogits[.., 0]) < 1e-6);
        Assert.True(TinyModels.MaxDifference(plainLogits[.., 5], scaledLogits[.., 5]) > 1e-5);
    }

    [Fact]
    public void Sharded_checkpoint_loads_like_a_single_file()
    {
        using var directory = new TempDirectory();
        using var model = ModelFactory.Create(TinyModels.Llama(), seed: 4);
        var entries = model.state_dict().Select(pair => SafetensorsTensors.ToEntry(pair.Key, pair.Value)).ToList();
        var half = entries.Count / 2;
        SafetensorsWriter.Write(directory.Combine("model-00001-of-00002.safetensors"), entries[..half]);
        SafetensorsWriter.Write(directory.Combine("model-00002-of-00002.safetensors"), entries[half..]);
        var map = entries.Select((entry, index) => $"\"{entry.Name}\":\"model-0000{(index < half ? 1 : 2)}-of-00002.safetensors\"");
        File.WriteAllText(directory.Combine(SafetensorsCheckpoint.IndexFileName), "{\"metadata\":{},\"weight_map\":{" + string.Join(",", map) + "}}");
        model.Config.Save(directory.Path);

        using var loaded = ModelLoader.Load(directory.Path);
        using var ids = TinyModels.Ids([1, 2, 3, 4]);
        using var noGrad = torch.no_grad();
        Assert.Equal(0f, TinyModels.MaxDifference(model.forward(ids), loaded.forward(ids)));
    }

    private static void WriteModel(TempDirectory directory, ModelConfig config, Func<List<SafetensorsEntry>, List<SafetensorsEntry>> edit)
    {
        using var model = ModelFactory.Create(config);
        config.Save(directory.Path);
        var entries = model.state_dict().Select(pair => SafetensorsTensors.ToEntry(pair.Key, pair.Value)).ToList();
        SafetensorsWriter.Write(directory.Combine("model.safetensors"), edit(entries));
    }

    [Fact]
    public void Wrong_shape_names_the_tensor_the_expected_shape_and_the_file()
    {
        using var directory = new TempDirectory();
        WriteModel(directory, TinyModels.Llama(), entries =>
            [.. entries.Select(entry => entry.Name == "model.layers.1.self_attn.k_proj.weight"
                ? new SafetensorsEntry(entry.Name, SafetensorsDType.F32, [16, 16], new byte[16 * 16 * 4])
                : entry)]);
        var error = Assert.Throws<ModelFileException>(() => ModelLoader.Load(directory.Path));
        Assert.Contains("'model.layers.1.self_attn.k_proj.weight'", error.Message, StringComparison.Ordinal);
        Assert.Contains("has shape [16, 16] but the model expects [8, 16]", error.Message, StringComparison.Ordinal);
        Assert.Contains(directory.Combine("model.safetensors"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_and_unexpected_tensors_are_named()
    {
        using var directory = new TempDirectory();
        WriteModel(directory, TinyModels.Llama(), entries =>
        [
            .. entries.Where(entry => entry.Name != "model.norm.weight"),
            new SafetensorsEntry("model.extra.weight", SafetensorsDType.F32, [2], new byte[8]),
        ]);
        var error = Assert.Throws<ModelFileException>(() => ModelLoader.Load(directory.Path));
        Assert.Contains("missing tensor 'model.norm.weight' with shape [16]", error.Message, StringComparison.Ordinal);
        Assert.Contains("unexpected tensor 'model.extra.weight'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Untied_model_without_lm_head_is_rejected_but_gpt2_base_keys_load()
    {
        using (var directory = new TempDirectory())
        {
            WriteModel(directory, TinyModels.Llama(tied: false), entries => [.. entries.Where(entry => entry.Name != "lm_head.weight")]);
            var error = Assert.Throws<ModelFileException>(() => ModelLoader.Load(directory.Path));
            Assert.Contains("missing tensor 'lm_head.weight' with shape [32, 16]", error.Message, StringComparison.Ordinal);
        }

        using (var directory = new TempDirectory())
        {
            // openai-community/gpt2 stores the bare GPT2Model keys plus the attention-mask buffers.
            WriteModel(directory, TinyModels.Gpt2(), entries =>
            [
                .. entries.Select(entry => entry with { Name = entry.Name["transformer.".Length..] }),
                new SafetensorsEntry("h.0.attn.bias", SafetensorsDType.F32, [1], new byte[4]),
            ]);
            using var loaded = ModelLoader.Load(directory.Path);
            Assert.Equal(ModelFamily.Gpt2, loaded.Config.Family);
        }
    }

    [Fact]
    public void Unknown_architecture_is_rejected()
    {
        using var directory = new TempDirectory();
        File.WriteAllText(directory.Combine("config.json"), """{"architectures":["BertModel"],"model_type":"bert"}""");
        var error = Assert.Throws<ModelFileException>(() => ModelLoader.Load(directory.Path));
        Assert.Contains("'BertModel'", error.Message, StringComparison.Ordinal);
        Assert.Contains("LlamaForCausalLM", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Init_rejects_sizes_that_do_not_fit()
    {
        var error = Assert.Throws<ArgumentException>(() => new ModelInitOptions("llama", 32, 18, 2, 4).ToConfig());
        Assert.Contains("hidden_size 18", error.Message, StringComparison.Ordinal);
        var unknown = Assert.Throws<ArgumentException>(() => new ModelInitOptions("bert", 32, 16, 2, 4).ToConfig());
        Assert.Contains("init.architecture 'bert'", unknown.Message, StringComparison.Ordinal);
    }
}
