using TorchSharp;
using TorchSharp.Modules;
using TuneOperator.Trainer.Training;
using Xunit;
using static TorchSharp.torch;
using AdamW = TuneOperator.Trainer.Training.AdamW;

namespace TuneOperator.Trainer.Tests.Training;

public sealed class OptimizerTests
{
    public OptimizerTests() => TorchRuntime.Initialize(2);

    /// <summary>Gives <paramref name="parameter"/> exactly the gradient <paramref name="gradient"/> via backward.</summary>
    private static void SetGradient(Parameter parameter, Tensor gradient)
    {
        using var scope = NewDisposeScope();
        parameter.grad?.zero_();
        parameter.mul(gradient).sum().backward();
    }

    [Fact]
    public void AdamW_first_step_matches_the_hand_computed_update_with_decoupled_decay()
    {
        using var weight = new Parameter(tensor(new float[] { 1f, -2f, 3f, 0.5f }, [2, 2]));
        using var bias = new Parameter(tensor(new float[] { 1f, 1f }));
        SetGradient(weight, tensor(new float[] { 0.5f, -0.5f, 2f, 0f }, [2, 2]));
        SetGradient(bias, tensor(new float[] { 0.25f, -1f }));
        using var optimizer = new AdamW([("layer.weight", weight), ("layer.bias", bias)], new AdamWOptions(WeightDecay: 0.1));

        optimizer.Step(0.01);

        // Step 1: m̂ = g, v̂ = g², update = lr · g / (|g| + eps) = ±lr (0 where g = 0); decay p ← p·(1 − lr·wd) on the weight only.
        var decay = 1 - (0.01 * 0.1);
        float[] expectedWeight = [(float)((1 * decay) - 0.01), (float)((-2 * decay) + 0.01), (float)((3 * decay) - 0.01), (float)(0.5 * decay)];
        Assert.Equal(expectedWeight, weight.data<float>().ToArray(), new FloatTolerance(1e-6f));
        Assert.Equal([0.99f, 1.01f], bias.data<float>().ToArray(), new FloatTolerance(1e-6f));
        Assert.Equal(1, optimizer.StepCount);
    }

    [Fact]
    public void AdamW_second_step_uses_bias_corrected_moments()
    {
        using var p = new Parameter(tensor(new float[] { 0f }));
        using var optimizer = new AdamW([("p", p)], new AdamWOptions(Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-12));
        SetGradient(p, tensor(new float[] { 1f }));
        optimizer.Step(0.1);
        SetGradient(p, tensor(new float[] { 3f }));
        optimizer.Step(0.1);

        // m = 0.9·0.1 + 0.1·3 = 0.39, v = 0.999·0.001 + 0.001·9 = 0.009999
        var mHat = 0.39 / (1 - (0.9 * 0.9));
        var vHat = 0.009999 / (1 - (0.999 * 0.999));
        var expected = -0.1 - (0.1 * mHat / Math.Sqrt(vHat));
        Assert.Equal(expected, p.data<float>()[0], 5);
    }

    [Fact]
    public void Weight_decay_skips_biases_and_normalisation_weights()
    {
        using var matrix = zeros(2, 2);
        using var vector = zeros(2);

        Assert.True(AdamW.DecaysWeight("layers.0.attn.q_proj.weight", matrix));
        Assert.False(AdamW.DecaysWeight("layers.0.attn.q_proj.bias", vector));
        Assert.False(AdamW.DecaysWeight("layers.0.input_layernorm.weight", vector));
        Assert.False(AdamW.DecaysWeight("model.norm.weight", matrix));
    }

    [Fact]
    public void Bf16_parameters_are_updated_through_fp32_master_weights()
    {
        using var p = new Parameter(tensor(new float[] { 1f, 1f }).to_type(ScalarType.BFloat16));
        using var optimizer = new AdamW([("p", p)], new AdamWOptions());
        var master = optimizer.StateTensors().Single(t => t.Key == "p.master").Value;

        // 1e-4 steps are far below bf16's resolution at 1.0 (2^-7): only the fp32 master can accumulate them.
        for (var i = 0; i < 50; i++)
        {
            SetGradient(p, tensor(new float[] { 1f, -1f }).to_type(ScalarType.BFloat16));
            optimizer.Step(1e-4);
        }

        Assert.Equal(ScalarType.Float32, master.dtype);
        Assert.Equal([0.995f, 1.005f], master.data<float>().ToArray(), new FloatTolerance(1e-5f));
        Assert.Equal(ScalarType.BFloat16, p.dtype);
        Assert.Equal(master.to_type(ScalarType.BFloat16).to_type(ScalarType.Float32).data<float>().ToArray(), p.to_type(ScalarType.Float32).data<float>().ToArray());
    }

    [Fact]
    public void Clipping_scales_gradients_to_the_global_norm()
    {
        using var a = new Parameter(zeros(1));
        using var b = new Parameter(zeros(1));
        SetGradient(a, tensor(new float[] { 3f }));
        SetGradient(b, tensor(new float[] { 4f }));

        var norm = GradientClipping.ClipByGlobalNorm([a, b], 1.0);

        Assert.Equal(5.0, norm, 5);
        Assert.Equal(0.6f, a.grad!.data<float>()[0], 5);
        Assert.Equal(0.8f, b.grad!.data<float>()[0], 5);
    }

    [Fact]
    public void Clipping_leaves_small_gradients_alone()
    {
        using var a = new Parameter(zeros(2));
        SetGradient(a, tensor(new float[] { 0.3f, 0.4f }));

        var norm = GradientClipping.ClipByGlobalNorm([a], 1.0);

        Assert.Equal(0.5, norm, 5);
        Assert.Equal([0.3f, 0.4f], a.grad!.data<float>().ToArray());
    }
}
