using System.Text.Json.Nodes;
using TuneOperator.Data.ModelFiles;
using Xunit;

namespace TuneOperator.Data.Tests.ModelFiles;

public sealed class RopeScalingTests
{
    private static float[] Frequencies(int headDim, double theta) =>
        [.. Enumerable.Range(0, headDim / 2).Select(i => (float)(1.0 / Math.Pow(theta, 2.0 * i / headDim)))];

    [Fact]
    public void Llama3_scaling_keeps_short_wavelengths_and_divides_long_ones()
    {
        var scaling = new RopeScaling("llama3", Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPositions: 8192);
        var original = Frequencies(64, 500000);
        var scaled = scaling.Apply(original);

        for (var i = 0; i < original.Length; i++)
        {
            var wavelength = 2 * Math.PI / original[i];
            if (wavelength < 8192 / 4.0)
            {
                Assert.Equal(original[i], scaled[i]);
            }
            else if (wavelength > 8192 / 1.0)
            {
                Assert.Equal(original[i] / 8, scaled[i], 1e-9f);
            }
            else
            {
                Assert.InRange(scaled[i], original[i] / 8, original[i]);
            }
        }

        Assert.Contains(original.Select((frequency, i) => 2 * Math.PI / frequency), wavelength => wavelength is > 2048 and < 8192);
        Assert.True(scaled.Zip(scaled.Skip(1)).All(pair => pair.First > pair.Second), "frequencies stay decreasing");
    }

    [Fact]
    public void Linear_scaling_divides_every_frequency()
    {
        var scaled = new RopeScaling("linear", 2).Apply([1f, 0.5f]);
        Assert.Equal([0.5f, 0.25f], scaled);
    }

    [Fact]
    public void Llama32_config_reads_its_rope_scaling()
    {
        var config = ModelConfig.Parse((JsonObject)JsonNode.Parse("""
            {"architectures":["LlamaForCausalLM"],"model_type":"llama","vocab_size":128256,"hidden_size":2048,"num_hidden_layers":16,
             "num_attention_heads":32,"num_key_value_heads":8,"intermediate_size":8192,"head_dim":64,"rope_theta":500000.0,
             "rope_scaling":{"factor":32.0,"high_freq_factor":4.0,"low_freq_factor":1.0,"original_max_position_embeddings":8192,"rope_type":"llama3"},
             "tie_word_embeddings":true}
            """)!, "config.json");
        Assert.Equal(new RopeScaling("llama3", 32, 1, 4, 8192), config.RopeScaling);
        Assert.Equal("llama3", config.ToJson()["rope_scaling"]!["rope_type"]!.GetValue<string>());
    }

    [Fact]
    public void Unknown_rope_scaling_is_rejected()
    {
        var error = Assert.Throws<ModelFileException>(() => ModelConfig.Parse((JsonObject)JsonNode.Parse("""
            {"architectures":["LlamaForCausalLM"],"model_type":"llama","vocab_size":100,"hidden_size":16,"num_hidden_layers":2,
             "num_attention_heads":4,"intermediate_size":48,"rope_scaling":{"rope_type":"yarn","factor":4.0}}
            """)!, "config.json"));
        Assert.Contains("rope_type linear and llama3", error.Message, StringComparison.Ordinal);
    }
}
