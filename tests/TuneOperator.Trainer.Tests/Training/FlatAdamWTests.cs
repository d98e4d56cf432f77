using TorchSharp;
using TorchSharp.Modules;
using TuneOperator.Trainer.Training;
using Xunit;
using static TorchSharp.torch;
using AdamW = TuneOperator.Trainer.Training.AdamW;

namespace TuneOperator.Trainer.Tests.Training;

/// <summary>The flat-buffer AdamW against an element-wise reference computed in double precision.</summary>
public sealed class FlatAdamWTests
{
    private const double LearningRate = 0.01;

    public FlatAdamWTests() => TorchRuntime.Initialize(2);

    /// <summary>Gives <paramref name="parameter"/> exactly the gradient <paramref name="gradient"/> via backward.</summary>
    private static void SetGradient(Parameter parameter, float[] gradient)
    {
        using var scope = NewDisposeScope();
        parameter.grad?.zero_();
        parameter.mul(tensor(gradient, parameter.shape).to_type(parameter.dtype)).sum().backward();
    }

    /// <summary>Bias first, so that the optimizer's decay-first layout reorders the buffers.</summary>
    private static (string Name, long[] Shape, bool Decay)[] Layout =>
    [
        ("layers.0.proj.bias", [4], false),
        ("layers.0.proj.weight", [3, 4], true),
        ("layers.0.input_layernorm.weight", [4], false),
        ("lm_head.weight", [2, 3], true),
    ];

    private static float[] Values(int seed, long count, double scale)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, (int)count).Select(_ => (float)((random.NextDouble() - 0.5) * scale))];
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    public void Updates_match_the_elementwise_reference_over_several_steps(double weightDecay)
    {
        var options = new AdamWOptions(WeightDecay: weightDecay);
        var parameters = Layout.Select((l, i) => new Parameter(tensor(Values(i, l.Shape.Aggregate(1L, (a, b) => a * b), 2), l.Shape))).ToList();
        var reference = Layout.Select((l, i) => new ReferenceAdamW(Values(i, l.Shape.Aggregate(1L, (a, b) => a * b), 2), l.Decay ? weightDecay : 0, options)).ToList();
        using var optimizer = new AdamW(Layout.Select((l, i) => (l.Name, (Tensor)parameters[i])), options);

        for (var step = 1; step <= 5; step++)
        {
            optimizer.ZeroGrad();
            for (var i = 0; i < parameters.Count; i++)
            {
                var gradient = Values((step * 100) + i, parameters[i].numel(), 1);
                SetGradient(parameters[i], gradient);
                reference[i].Step(gradient, LearningRate);
            }

            optimizer.Step(LearningRate);
        }

        for (var i = 0; i < parameters.Count; i++)
        {
            Assert.Equal(reference[i].Values.Select(v => (float)v).ToArray(), parameters[i].data<float>().ToArray(), new FloatTolerance(1e-6f));
            Assert.Equal(Layout[i].Shape, parameters[i].shape);
        }

        Assert.Equal(Layout.Select(l => l.Name), optimizer.ParameterNames);
        parameters.ForEach(p => p.Dispose());
    }

    [Fact]
    public void Buffers_larger_than_one_chunk_are_updated_like_the_reference()
    {
        // 2.5M decaying elements span two 2M-element chunks, the second one partly decaying, then a no-decay
        // tail.
        var options = new AdamWOptions(WeightDecay: 0.5);
        var sizes = new[] { ("big.weight", new long[] { 2500, 1000 }), ("big.bias", new long[] { 1000 }) };
        var parameters = sizes.Select((p, i) => new Parameter(tensor(Values(i, p.Item2.Aggregate(1L, (a, b) => a * b), 2), p.Item2))).ToList();
        var reference = sizes.Select((p, i) => new ReferenceAdamW(Values(i, p.Item2.Aggregate(1L, (a, b) => a * b), 2), i == 0 ? 0.5 : 0, options)).ToList();
        using var optimizer = new AdamW(sizes.Select((p, i) => (p.Item1, (Tensor)parameters[i])), options);
        for (var step = 1; step <= 2; step++)
        {
            optimizer.ZeroGrad();
            for (var i = 0; i < parameters.Count; i++)
            {
                var gradient = Values((step * 10) + i, parameters[i].numel(), 1);
                SetGradient(parameters[i], gradient);
                reference[i].Step(gradient, LearningRate);
            }

            optimizer.Step(LearningRate);
        }

        for (var i = 0; i < parameters.Count; i++)
        {
            var actual = parameters[i].data<float>().ToArray();
            var worst = actual.Select((value, j) => Math.Abs(value - reference[i].Values[j])).Max();
            Assert.True(worst < 1e-6, $"{sizes[i].Item1}: largest difference {worst}");
        }

        parameters.ForEach(p => p.Dispose());
    }

    [Fact]
    public void Zeroed_gradients_stay_attached_and_accumulate_in_place()
    {
        using var p = new Parameter(tensor(new float[] { 1f, 2f }));
        using var optimizer = new AdamW([("p", p)], new AdamWOptions());
        SetGradient(p, [3f, 4f]);
        SetGradient(p, [1f, 1f]);
        Assert.Equal([1f, 1f], p.grad!.data<float>().ToArray());

        optimizer.ZeroGrad();

        Assert.Equal([0f, 0f], p.grad!.data<float>().ToArray());
        using (var scope = NewDisposeScope())
        {
            (p * 2).sum().backward();
            (p * 3).sum().backward();
        }

        Assert.Equal([5f, 5f], p.grad!.data<float>().ToArray());
    }

    [Fact]
    public void Gradients_recreated_after_being_set_to_none_are_used_and_a_parameter_without_one_is_left_alone()
    {
        var options = new AdamWOptions(WeightDecay: 0.1);
        using var used = new Parameter(tensor(new float[] { 1f, -1f, 0.5f, 2f }, [2, 2]));
        using var unused = new Parameter(tensor(new float[] { 3f, 3f }, [1, 2]));
        var reference = new ReferenceAdamW([1f, -1f, 0.5f, 2f], 0.1, options);
        using var optimizer = new AdamW([("unused.weight", unused), ("used.weight", used)], options);

        // What Module.zero_grad() does by default: the gradients are set to none, and backward allocates new ones.
        used.grad = null;
        unused.grad = null;
        SetGradient(used, [0.5f, -0.25f, 1f, 0f]);
        reference.Step([0.5f, -0.25f, 1f, 0f], LearningRate);
        optimizer.Step(LearningRate);

        Assert.Equal(reference.Values.Select(v => (float)v).ToArray(), used.data<float>().ToArray(), new FloatTolerance(1e-6f));
        Assert.Equal([3f, 3f], unused.data<float>().ToArray());

        // The next step works from the adopted buffer as usual.
        optimizer.ZeroGrad();
        SetGradient(used, [1f, 1f, 1f, 1f]);
        reference.Step([1f, 1f, 1f, 1f], LearningRate);
        optimizer.Step(LearningRate);
        Assert.Equal(reference.Values.Select(v => (float)v).ToArray(), used.data<float>().ToArray(), new FloatTolerance(1e-6f));
    }

    [Fact]
    public void Clipping_over_the_flat_gradients_equals_per_tensor_clipping()
    {
        using var a = new Parameter(zeros(2, 2));
        using var b = new Parameter(zeros(3));
        using var c = new Parameter(zeros(2, 2));
        using var d = new Parameter(zeros(3));
        using var optimizer = new AdamW([("a.weight", a), ("b.bias", b)], new AdamWOptions());
        float[] gradientA = [3f, -1f, 2f, 0.5f];
        float[] gradientB = [4f, 0f, -2f];
        SetGradient(a, gradientA);
        SetGradient(b, gradientB);
        SetGradient(c, gradientA);
        SetGradient(d, gradientB);

        var flatNorm = optimizer.ClipGradients(1.0);
        var referenceNorm = GradientClipping.ClipByGlobalNorm([c, d], 1.0);

        Assert.Equal(referenceNorm, flatNorm, 5);
        Assert.Equal(Math.Sqrt(gradientA.Concat(gradientB).Sum(x => (double)x * x)), flatNorm, 5);
        Assert.Equal(c.grad!.data<float>().ToArray(), a.grad!.data<float>().ToArray(), new FloatTolerance(1e-7f));
        Assert.Equal(d.grad!.data<float>().ToArray(), b.grad!.data<float>().ToArray(), new FloatTolerance(1e-7f));
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void Saved_state_restored_into_a_new_optimizer_continues_identically(ScalarType dtype)
    {
        var options = new AdamWOptions(WeightDecay: 0.01);
        float[] initial = [0.5f, -1f, 2f, 1f, 0.25f, -0.75f];
        using var original = new Parameter(tensor(initial, [2, 3]).to_type(dtype));
        using var first = new AdamW([("w.weight", original)], options);
        for (var step = 0; step < 3; step++)
        {
            first.ZeroGrad();
            SetGradient(original, Values(step, 6, 1));
            first.Step(LearningRate);
        }

        var saved = first.StateTensors().ToDictionary(t => t.Key, t => t.Value.clone());
        using var restored = new Parameter(tensor(initial, [2, 3]).to_type(dtype));
        using var second = new AdamW([("w.weight", restored)], options);
        using (no_grad())
        {
            restored.copy_(original);
        }

        second.LoadState(saved, first.StepCount);
        foreach (var (optimizer, parameter) in new[] { (first, original), (second, restored) })
        {
            optimizer.ZeroGrad();
            SetGradient(parameter, Values(7, 6, 1));
            optimizer.Step(LearningRate);
        }

        string[] expectedKeys = dtype == ScalarType.Float32
            ? ["w.weight.exp_avg", "w.weight.exp_avg_sq"]
            : ["w.weight.exp_avg", "w.weight.exp_avg_sq", "w.weight.master"];
        Assert.Equal(expectedKeys, saved.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(original.to_type(ScalarType.Float32).data<float>().ToArray(), restored.to_type(ScalarType.Float32).data<float>().ToArray());
        foreach (var (key, value) in first.StateTensors())
        {
            var other = second.StateTensors().Single(t => t.Key == key).Value;
            Assert.Equal(value.data<float>().ToArray(), other.data<float>().ToArray());
            Assert.Equal(original.shape, value.shape);
        }

        foreach (var tensor in saved.Values)
        {
            tensor.Dispose();
        }
    }

    /// <summary>AdamW element by element in double precision, as in Loshchilov &amp; Hutter with PyTorch's bias correction.</summary>
    private sealed class ReferenceAdamW(float[] initial, double weightDecay, AdamWOptions options)
    {
        private readonly double[] m = new double[initial.Length];
        private readonly double[] v = new double[initial.Length];
        private int step;

        public double[] Values { get; } = [.. initial.Select(x => (double)x)];

        public void Step(float[] gradient, double learningRate)
        {
            step++;
            var c1 = 1 - Math.Pow(options.Beta1, step);
            var c2 = 1 - Math.Pow(options.Beta2, step);
            for (var i = 0; i < Values.Length; i++)
            {
                Values[i] *= 1 - (learningRate * weightDecay);
                m[i] = (options.Beta1 * m[i]) + ((1 - options.Beta1) * gradient[i]);
                v[i] = (options.Beta2 * v[i]) + ((1 - options.Beta2) * gradient[i] * gradient[i]);
                Values[i] -= learningRate * (m[i] / c1) / (Math.Sqrt(v[i] / c2) + options.Epsilon);
            }
        }
    }
}
