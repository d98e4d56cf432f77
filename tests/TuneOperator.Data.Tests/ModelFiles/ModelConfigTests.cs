using System.Text.Json.Nodes;
using TuneOperator.Data.ModelFiles;
using Xunit;

namespace TuneOperator.Data.Tests.ModelFiles;

public sealed class ModelConfigTests
{
    private static ModelConfig Parse(string json) => ModelConfig.Parse((JsonObject)JsonNode.Parse(json)!, "config.json");

    [Fact]
    public void Llama_config_with_grouped_query_attention()
    {
        var config = Parse("""
            {"architectures":["LlamaForCausalLM"],"model_type":"llama","vocab_size":32000,"hidden_size":2048,"num_hidden_layers":22,
             "num_attention_heads":32,"num_key_value_heads":4,"intermediate_size":5632,"max_position_embeddings":2048,
             "rms_norm_eps":1e-05,"rope_theta":10000.0,"tie_word_embeddings":false,"torch_dtype":"bfloat16","bos_token_id":1}
            """);
        Assert.Equal(ModelFamily.Llama, config.Family);
        Assert.Equal((32, 4, 64), (config.NumHeads, config.NumKeyValueHeads, config.HeadDim));
        Assert.Equal(1e-5, config.NormEps);
        Assert.False(config.TieWordEmbeddings);
        Assert.False(config.AttentionBias);
        Assert.Equal("bfloat16", config.TorchDtype);
        Assert.Equal("LlamaForCausalLM", config.Architecture);
    }

    [Fact]
    public void Qwen2_always_has_attention_bias_and_smollm_ties_embeddings()
    {
        var qwen = Parse("""
            {"architectures":["Qwen2ForCausalLM"],"model_type":"qwen2","vocab_size":151936,"hidden_size":896,"num_hidden_layers":24,
             "num_attention_heads":14,"num_key_value_heads":2,"intermediate_size":4864,"rope_theta":1000000.0,"tie_word_embeddings":true}
            """);
        Assert.True(qwen.AttentionBias);
        Assert.Equal(1_000_000, qwen.RopeTheta);
        var smol = Parse("""
            {"architectures":["LlamaForCausalLM"],"model_type":"llama","vocab_size":49152,"hidden_size":576,"num_hidden_layers":30,
             "num_attention_heads":9,"num_key_value_heads":3,"intermediate_size":1536,"tie_word_embeddings":true}
            """);
        Assert.True(smol.TieWordEmbeddings);
        Assert.Equal(64, smol.HeadDim);
    }

    [Fact]
    public void Mistral_config_is_a_llama_family_model()
    {
        var config = Parse("""
            {"architectures":["MistralForCausalLM"],"model_type":"mistral","vocab_size":32000,"hidden_size":4096,"num_hidden_layers":32,
             "num_attention_heads":32,"num_key_value_heads":8,"intermediate_size":14336,"sliding_window":null}
            """);
        Assert.Equal(("mistral", ModelFamily.Llama), (config.ModelType, config.Family));
        Assert.Equal("MistralForCausalLM", config.Architecture);
    }

    [Fact]
    public void Gpt2_config_maps_its_own_field_names()
    {
        var config = Parse("""
            {"architectures":["GPT2LMHeadModel"],"model_type":"gpt2","vocab_size":50257,"n_embd":768,"n_layer":12,"n_head":12,
             "n_positions":1024,"n_inner":null,"layer_norm_epsilon":1e-05,"activation_function":"gelu_new"}
            """);
        Assert.Equal(ModelFamily.Gpt2, config.Family);
        Assert.Equal((768, 12, 12, 12, 3072, 1024), (config.HiddenSize, config.NumLayers, config.NumHeads, config.NumKeyValueHeads, config.IntermediateSize, config.MaxPositions));
        Assert.True(config.TieWordEmbeddings);

        var json = config.ToJson();
        Assert.Equal(768, json["n_embd"]!.GetValue<int>());
        Assert.Equal("gelu_new", json["activation_function"]!.GetValue<string>());
        Assert.Null(json["hidden_size"]);
    }

    [Fact]
    public void Classification_config_counts_labels()
    {
        var config = Parse("""
            {"architectures":["Qwen2ForSequenceClassification"],"model_type":"qwen2","vocab_size":100,"hidden_size":16,"num_hidden_layers":1,
             "num_attention_heads":2,"intermediate_size":32,"id2label":{"0":"neg","1":"neu","2":"pos"},"pad_token_id":0}
            """);
        Assert.Equal(ModelHead.SequenceClassification, config.Head);
        Assert.Equal(3, config.NumLabels);
        Assert.Equal(0, config.PadTokenId);
        var json = config.ToJson();
        Assert.Equal("pos", json["id2label"]!["2"]!.GetValue<string>());
        Assert.Equal(1, json["label2id"]!["neu"]!.GetValue<int>());
    }

    [Fact]
    public void Saved_config_reads_back_equal_and_keeps_other_fields()
    {
        var original = Parse("""
            {"architectures":["LlamaForCausalLM"],"model_type":"llama","vocab_size":100,"hidden_size":16,"num_hidden_layers":2,
             "num_attention_heads":4,"num_key_value_heads":2,"intermediate_size":48,"eos_token_id":[2,3],"custom":"kept"}
            """);
        var directory = Directory.CreateTempSubdirectory("config-tests-").FullName;
        try
        {
            original.Save(directory);
            var reread = ModelConfig.Load(directory);
            Assert.Equal(original with { Source = null }, reread with { Source = null });
            Assert.Equal("kept", reread.Source!["custom"]!.GetValue<string>());
            Assert.Equal(3, reread.Source!["eos_token_id"]![1]!.GetValue<int>());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("""{"architectures":["FalconForCausalLM"],"model_type":"falcon"}""", "'FalconForCausalLM'")]
    [InlineData("""{"model_type":"llama"}""", "'(missing)'")]
    [InlineData("""{"architectures":["LlamaForCausalLM"],"model_type":"llama","vocab_size":100,"num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":48}""", "'hidden_size' is missing")]
    [InlineData("""{"architectures":["LlamaForCausalLM"],"model_type":"llama","vocab_size":100,"hidden_size":18,"num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":48}""", "divisible by num_attention_heads")]
    [InlineData("""{"architectures":["LlamaForCausalLM"],"model_type":"llama","vocab_size":100,"hidden_size":16,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":3,"intermediate_size":48}""", "multiple of num_key_value_heads")]
    [InlineData("""{"architectures":["LlamaForCausalLM"],"model_type":"llama","vocab_size":"many","hidden_size":16,"num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":48}""", "'vocab_size' must be an integer")]
    [InlineData("""{"architectures":["LlamaForCausalLM"],"model_type":"llama","vocab_size":100,"hidden_size":16,"num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":48,"rope_scaling":{"type":"llama3"}}""", "rope_scaling")]
    public void Invalid_configs_name_the_problem(string json, string expected)
    {
        var error = Assert.Throws<ModelFileException>(() => Parse(json));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
