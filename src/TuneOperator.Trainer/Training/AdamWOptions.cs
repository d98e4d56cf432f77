namespace TuneOperator.Trainer.Training;

/// <summary>Hyperparameters of AdamW (the learning rate comes from the schedule each step).</summary>
/// <param name="Beta1">Decay of the first moment, in [0, 1).</param>
/// <param name="Beta2">Decay of the second moment, in [0, 1).</param>
/// <param name="Epsilon">Added to the denominator, &gt; 0.</param>
/// <param name="WeightDecay">Decoupled weight decay, in [0, 1]; not applied to biases and normalisation weights.</param>
public sealed record AdamWOptions(double Beta1 = 0.9, double Beta2 = 0.999, double Epsilon = 1e-8, double WeightDecay = 0.0)
{
    /// <summary>Describes what is wrong, one message per problem, naming the field.</summary>
    public IEnumerable<string> Validate()
    {
        if (Beta1 is < 0 or >= 1)
        {
            yield return $"adamW.beta1 must be in [0, 1) (got {Beta1}).";
        }

        if (Beta2 is < 0 or >= 1)
        {
            yield return $"adamW.beta2 must be in [0, 1) (got {Beta2}).";
        }

        if (!(Epsilon > 0))
        {
            yield return $"adamW.epsilon must be positive (got {Epsilon}).";
        }

        if (WeightDecay is < 0 or > 1)
        {
            yield return $"weightDecay must be in [0, 1] (got {WeightDecay}).";
        }
    }
}
