using TorchSharp;
using TuneOperator.Trainer.Training;
using Xunit;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Tests.Training;

public sealed class ObjectiveTests
{
    public ObjectiveTests() => TorchRuntime.Initialize(2);

    [Fact]
    public void Causal_loss_predicts_the_next_label_and_ignores_masked_ones()
    {
        using var scope = NewDisposeScope();

        // Uniform logits over 4 tokens: every counted target costs ln 4.
        var logits = zeros(1, 4, 4);
        var labels = tensor(new long[] { 5, -100, 2, 3 }, [1, 4]);
        var objective = new CausalLanguageModelObjective();

        // Shifted labels are [-100, 2, 3]: two targets.
        Assert.Equal(2, objective.CountTargets(new Batch(zeros(1, 4, ScalarType.Int64), labels)));
        Assert.Equal(2 * Math.Log(4), objective.LossSumFromLogits(logits, labels).item<float>(), 5);
    }

    [Fact]
    public void Causal_loss_of_a_confident_correct_prediction_is_its_log_probability()
    {
        using var scope = NewDisposeScope();
        var logits = zeros(1, 2, 3);
        logits[0, 0, 1] = tensor(2f);
        var labels = tensor(new long[] { 0, 1 }, [1, 2]);

        var loss = new CausalLanguageModelObjective().LossSumFromLogits(logits, labels).item<float>();

        var expected = -Math.Log(Math.Exp(2) / (Math.Exp(2) + 2));
        Assert.Equal(expected, loss, 5);
    }

    [Fact]
    public void Classification_loss_is_summed_cross_entropy()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 0f, 0f, 1f, 0f }, [2, 2]);
        var labels = tensor(new long[] { 1, 0 });

        var loss = new ClassificationObjective().LossSumFromLogits(logits, labels).item<float>();

        var expected = Math.Log(2) + -Math.Log(Math.E / (Math.E + 1));
        Assert.Equal(expected, loss, 5);
    }

    [Fact]
    public void Distillation_mixes_temperature_scaled_kl_with_the_hard_loss()
    {
        using var scope = NewDisposeScope();
        var teacherModel = new TinyClassifier(4, 2, 2);
        var objective = new DistillationObjective(new ClassificationObjective(), teacherModel, temperature: 2, alpha: 0.5);
        var student = tensor(new float[] { 0f, 0f }, [1, 2]);
        var teacher = tensor(new float[] { (float)Math.Log(3), 0f }, [1, 2]);
        var labels = tensor(new long[] { 0 });

        var loss = objective.LossSumFromLogits(student, teacher, labels).item<float>();

        // Teacher softened by T = 2: p = softmax([ln3 / 2, 0]); the student is uniform.
        var high = Math.Sqrt(3) / (Math.Sqrt(3) + 1);
        var low = 1 - high;
        var kl = (high * Math.Log(high / 0.5)) + (low * Math.Log(low / 0.5));
        var expected = (0.5 * kl * 4) + (0.5 * Math.Log(2));
        Assert.Equal(expected, loss, 5);
    }

    [Fact]
    public void Distillation_of_a_student_equal_to_its_teacher_is_only_the_hard_loss()
    {
        using var scope = NewDisposeScope();
        var objective = new DistillationObjective(new CausalLanguageModelObjective(), new BigramModel(3, 2), temperature: 3, alpha: 0.7);
        var logits = tensor(new float[] { 1f, 2f, 3f, 0f, 1f, 0f }, [1, 2, 3]);
        var labels = tensor(new long[] { 0, 2 }, [1, 2]);

        var loss = objective.LossSumFromLogits(logits, logits, labels).item<float>();

        var hard = -Math.Log(Math.Exp(3) / (Math.Exp(1) + Math.Exp(2) + Math.Exp(3)));
        Assert.Equal(0.3 * hard, loss, 5);
    }

    [Fact]
    public void Distillation_rejects_bad_settings_by_name()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new DistillationObjective(new ClassificationObjective(), new TinyClassifier(4, 2, 2), 0, 0.5));
        Assert.Contains("distillation.temperature", error.Message, StringComparison.Ordinal);
    }
}
