using TorchSharp;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Training;

/// <summary>
/// Knowledge distillation: <c>alpha · T² · KL(teacher ‖ student) + (1 − alpha) · hard loss</c>, with both
/// distributions softened by the temperature T and the KL divergence summed over the hard objective's targets.
/// The teacher runs in eval mode without gradients.
/// </summary>
public sealed class DistillationObjective : ITrainingObjective
{
    private readonly ILogitObjective hard;
    private readonly nn.Module<Tensor, Tensor> teacher;

    /// <summary>Creates the objective.</summary>
    /// <param name="hard">The hard-label objective (causal LM or classification) whose targets are distilled.</param>
    /// <param name="teacher">The teacher model; it is switched to eval mode and never trained.</param>
    /// <param name="temperature">The softmax temperature, &gt; 0.</param>
    /// <param name="alpha">The weight of the distillation term, in [0, 1].</param>
    public DistillationObjective(ILogitObjective hard, nn.Module<Tensor, Tensor> teacher, double temperature, double alpha)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "distillation.temperature must be a positive number.");
        }

        if (alpha is < 0 or > 1 || double.IsNaN(alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "distillation.alpha must be between 0 and 1.");
        }

        this.hard = hard;
        this.teacher = teacher;
        Temperature = temperature;
        Alpha = alpha;
        teacher.eval();
    }

    /// <summary>The softmax temperature.</summary>
    public double Temperature { get; }

    /// <summary>The weight of the distillation term.</summary>
    public double Alpha { get; }

    /// <inheritdoc />
    public long CountTargets(Batch batch) => hard.CountTargets(batch);

    /// <inheritdoc />
    public Tensor LossSum(nn.Module<Tensor, Tensor> model, Batch batch)
    {
        var studentLogits = batch.Logits(model);
        Tensor teacherLogits;
        using (no_grad())
        {
            teacher.eval();
            teacherLogits = batch.Logits(teacher);
        }

        return LossSumFromLogits(studentLogits, teacherLogits, batch.Labels);
    }

    /// <summary>The combined loss sum from student and teacher logits of the same batch.</summary>
    public Tensor LossSumFromLogits(Tensor studentLogits, Tensor teacherLogits, Tensor labels)
    {
        var hardSum = hard.LossSumFromLogits(studentLogits, labels);
        var student = hard.TargetLogits(studentLogits, labels).to_type(ScalarType.Float32).div(Temperature);
        var teacherTargets = hard.TargetLogits(teacherLogits, labels).to_type(ScalarType.Float32).div(Temperature).detach();
        var teacherLog = teacherTargets.log_softmax(1);
        var kl = teacherLog.exp().mul(teacherLog.sub(student.log_softmax(1))).sum();
        return kl.mul(Alpha * Temperature * Temperature).add(hardSum.mul(1 - Alpha));
    }
}
