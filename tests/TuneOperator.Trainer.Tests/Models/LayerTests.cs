using TorchSharp;
using TuneOperator.Data.ModelFiles;
using TuneOperator.Trainer.Models;
using Xunit;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Tests.Models;

public sealed class LayerTests
{
    public LayerTests() => TorchRuntime.Initialize(2);

    [Fact]
    public void RmsNorm_divides_by_the_root_mean_square_and_scales()
    {
        using var norm = new RmsNorm(2, eps: 0);
        using (torch.no_grad())
        {
            norm.Weight.copy_(torch.tensor(new float[] { 1, 2 }));
        }

        using var x = torch.tensor(new float[] { 3, 4 }, [1, 2]);
        using var y = norm.forward(x);
        var rms = Math.Sqrt((9 + 16) / 2.0);
        Assert.Equal([(float)(3 / rms), (float)(8 / rms)], y.data<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-6);
    }

    [Fact]
    public void RotateHalf_follows_the_hugging_face_convention()
    {
        using var x = torch.tensor(new float[] { 1, 2, 3, 4 }, [1, 1, 1, 4]);
        using var rotated = RotaryEmbedding.RotateHalf(x);
        Assert.Equal([-3f, -4f, 1f, 2f], rotated.data<float>().ToArray());
    }

    [Fact]
    public void Rope_scores_depend_only_on_the_relative_position()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(1);
        const int headDim = 8;
        var frequencies = RotaryEmbedding.InverseFrequencies(headDim, 10000);
        var q = torch.randn(1, 1, 1, headDim);
        var k = torch.randn(1, 1, 1, headDim);

        float Score(long queryPosition, long keyPosition)
        {
            var (cq, sq) = RotaryEmbedding.Tables(torch.tensor(new[] { queryPosition }, [1, 1]), frequencies, ScalarType.Float32);
            var (ck, sk) = RotaryEmbedding.Tables(torch.tensor(new[] { keyPosition }, [1, 1]), frequencies, ScalarType.Float32);
            return (RotaryEmbedding.Apply(q, cq, sq) * RotaryEmbedding.Apply(k, ck, sk)).sum().ToSingle();
        }

        Assert.Equal(Score(5, 2), Score(13, 10), 4);
        Assert.Equal(Score(0, 0), Score(7, 7), 4);
        Assert.NotEqual(Score(5, 2), Score(5, 4), 3);
        // At position 0 the rotation is the identity.
        Assert.Equal((q * k).sum().ToSingle(), Score(0, 0), 5);
    }

    [Fact]
    public void Grouped_query_attention_equals_an_explicit_masked_softmax()
    {
        using var scope = torch.NewDisposeScope();
        var config = TinyModels.Llama(kvHeads: 2) with { AttentionBias = true };
        using var attention = new LlamaAttention(config);
        torch.manual_seed(3);
        using (torch.no_grad())
        {
            foreach (var parameter in attention.parameters())
            {
                parameter.normal_(0, 0.3);
            }
        }

        var parameters = attention.named_parameters().ToDictionary(pair => pair.name, pair => pair.parameter);
        Assert.Equal(
            ["k_proj.bias", "k_proj.weight", "o_proj.weight", "q_proj.bias", "q_proj.weight", "v_proj.bias", "v_proj.weight"],
            parameters.Keys.Order(StringComparer.Ordinal));
        const int batch = 2, length = 5, heads = 4, kvHeads = 2, headDim = 4;
        var x = torch.randn(batch, length, 16);
        var positions = torch.arange(length, dtype: ScalarType.Int64).unsqueeze(0).expand(batch, length);
        var (cos, sin) = RotaryEmbedding.Tables(positions, RotaryEmbedding.InverseFrequencies(headDim, config.RopeTheta), ScalarType.Float32);
        var actual = attention.Forward(x, cos, sin, mask: null);

        // Explicit reference: per query head h, use key/value head h / (heads / kvHeads); masked softmax.
        var q = (x.matmul(parameters["q_proj.weight"].t()) + parameters["q_proj.bias"]).view(batch, length, heads, headDim).transpose(1, 2);
        var k = (x.matmul(parameters["k_proj.weight"].t()) + parameters["k_proj.bias"]).view(batch, length, kvHeads, headDim).transpose(1, 2);
        var v = (x.matmul(parameters["v_proj.weight"].t()) + parameters["v_proj.bias"]).view(batch, length, kvHeads, headDim).transpose(1, 2);
        q = RotaryEmbedding.Apply(q, cos, sin);
        k = RotaryEmbedding.Apply(k, cos, sin);
        var future = torch.ones(length, length).triu(1).to_type(ScalarType.Bool);
        var outputs = new List<Tensor>();
        for (var head = 0; head < heads; head++)
        {
            var kvHead = head / (heads / kvHeads);
            var scores = q[.., head].matmul(k[.., kvHead].transpose(-1, -2)) / Math.Sqrt(headDim);
            scores = scores.masked_fill(future, double.NegativeInfinity);
            outputs.Add(scores.softmax(-1).matmul(v[.., kvHead]));
        }

        var merged = torch.stack(outputs, 1).transpose(1, 2).reshape(batch, length, heads * headDim);
        var expected = merged.matmul(parameters["o_proj.weight"].t());
        Assert.True(TinyModels.MaxDifference(actual, expected) < 1e-5);
    }

    [Fact]
    public void Packed_segments_do_not_see_each_other()
    {
        foreach (var config in new[] { TinyModels.Llama(), TinyModels.Gpt2() })
        {
            using var scope = torch.NewDisposeScope();
            using var model = ModelFactory.Create(config, seed: 5);
            model.eval();
            using var noGrad = torch.no_grad();
            var first = TinyModels.Ids([3, 7, 9]);
            var second = TinyModels.Ids([4, 11, 2, 8]);
            var packed = TinyModels.Ids([3, 7, 9, 4, 11, 2, 8, 0]);
            var mask = TinyModels.Ids([1, 1, 1, 2, 2, 2, 2, 0]);
            var positions = TinyModels.Ids([0, 1, 2, 0, 1, 2, 3, 0]);

            var packedLogits = model.Run(packed, mask, positions);
            Assert.Equal(0f, TinyModels.MaxDifference(packedLogits, model.Run(packed, mask, null)));
            var firstLogits = model.forward(first);
            var secondLogits = model.forward(second);
            Assert.True(TinyModels.MaxDifference(packedLogits[.., ..3], firstLogits) < 1e-5, config.ModelType);
            Assert.True(TinyModels.MaxDifference(packedLogits[.., 3..7], secondLogits) < 1e-5, config.ModelType);
            Assert.False(packedLogits.isnan().any().ToBoolean());
        }
    }

    [Fact]
    public void Segment_positions_restart_in_every_segment()
    {
        using var mask = TinyModels.Ids([1, 1, 1, 2, 2, 0, 0], [0, 0, 1, 1, 1, 1, 1]);
        using var positions = AttentionMask.SegmentPositions(mask);
        Assert.Equal([0L, 1, 2, 0, 1, 0, 1, 0, 1, 0, 1, 2, 3, 4], positions.data<long>().ToArray());
    }

    [Fact]
    public void Gelu_new_matches_its_formula_at_known_points()
    {
        using var x = torch.tensor(new float[] { -1, 0, 1, 2 });
        using var y = Gpt2Mlp.GeluNew(x);
        Assert.Equal([-0.158808f, 0f, 0.841192f, 1.954598f], y.data<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Fact]
    public void Conv1D_uses_the_transposed_weight_layout()
    {
        using var conv = new Conv1D(2, 3);
        using (torch.no_grad())
        {
            conv.Weight.copy_(torch.tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]));
            conv.Bias.copy_(torch.tensor(new float[] { 10, 20, 30 }));
        }

        using var y = conv.forward(torch.tensor(new float[] { 1, 1 }, [1, 1, 2]));
        Assert.Equal([1L, 1, 3], y.shape);
        Assert.Equal([15f, 27f, 39f], y.data<float>().ToArray());
    }
}
