using TorchSharp;

namespace TuneOperator.Trainer.Training;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter) with decoupled weight decay, written here so that its whole state (moments, step
/// count, fp32 master weights) can be saved and restored exactly. Biases and normalisation weights (parameters of
/// fewer than two dimensions, or whose name contains "norm") get no weight decay. Parameters that are not fp32
/// (bf16 compute) are updated through an fp32 master copy that is written back after every step.
/// </summary>
public sealed class AdamW : IDisposable
{
    private readonly List<Slot> slots = [];
    private readonly AdamWOptions options;

    /// <summary>Creates the optimizer over the given trainable parameters.</summary>
    /// <param name="parameters">Named trainable parameters (typically those of <c>named_parameters()</c> that require a gradient).</param>
    /// <param name="options">Betas, epsilon, weight decay.</param>
    /// <param name="masterWeights">
    /// Optional fp32 values of the parameters taken before the model was cast to a lower precision; when absent, a
    /// non-fp32 parameter's master copy is its current value cast to fp32.
    /// </param>
    public AdamW(IEnumerable<(string Name, torch.Tensor Parameter)> parameters, AdamWOptions options, IReadOnlyDictionary<string, torch.Tensor>? masterWeights = null)
    {
        var problems = options.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }

        this.options = options;
        using var noGrad = torch.no_grad();
        foreach (var (name, parameter) in parameters)
        {
            torch.Tensor? master = null;
            if (parameter.dtype != torch.ScalarType.Float32)
            {
                master = masterWeights is not null && masterWeights.TryGetValue(name, out var given)
                    ? given.detach().to(torch.ScalarType.Float32, parameter.device).clone()
                    : parameter.detach().to_type(torch.ScalarType.Float32).clone();
                master.DetachFromDisposeScope();
            }

            var firstMoment = torch.zeros(parameter.shape, torch.ScalarType.Float32, parameter.device).DetachFromDisposeScope();
            var secondMoment = torch.zeros(parameter.shape, torch.ScalarType.Float32, parameter.device).DetachFromDisposeScope();
            slots.Add(new Slot(name, parameter, DecaysWeight(name, parameter), firstMoment, secondMoment, master));
        }

        if (slots.Count == 0)
        {
            throw new ArgumentException("The model has no trainable parameters; nothing to optimize.", nameof(parameters));
        }
    }

    /// <summary>The number of optimizer steps taken.</summary>
    public int StepCount { get; private set; }

    /// <summary>The parameters this optimizer updates.</summary>
    public IEnumerable<torch.Tensor> Parameters => slots.Select(s => s.Parameter);

    /// <summary>The names of the parameters this optimizer updates, in order.</summary>
    public IEnumerable<string> ParameterNames => slots.Select(s => s.Name);

    /// <summary>Whether weight decay applies to a parameter: not to biases and normalisation weights.</summary>
    public static bool DecaysWeight(string name, torch.Tensor parameter)
        => parameter.dim() >= 2
           && !name.Contains("norm", StringComparison.OrdinalIgnoreCase)
           && !name.EndsWith("bias", StringComparison.Ordinal);

    /// <summary>
    /// One AdamW update with learning rate <paramref name="learningRate"/> from the current gradients; parameters
    /// without a gradient are left alone (their moments are not advanced).
    /// </summary>
    public void Step(double learningRate)
    {
        StepCount++;
        var correction1 = 1 - Math.Pow(options.Beta1, StepCount);
        var correction2 = 1 - Math.Pow(options.Beta2, StepCount);
        var stepSize = learningRate / correction1;
        var sqrtCorrection2 = Math.Sqrt(correction2);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        foreach (var slot in slots)
        {
            var grad = slot.Parameter.grad;
            if (grad is null)
            {
                continue;
            }

            var g = grad.dtype == torch.ScalarType.Float32 ? grad : grad.to_type(torch.ScalarType.Float32);
            var target = slot.Master ?? slot.Parameter;
            if (slot.Decay && options.WeightDecay > 0)
            {
                target.mul_(1 - (learningRate * options.WeightDecay));
            }

            slot.FirstMoment.mul_(options.Beta1).add_(g, 1 - options.Beta1);
            slot.SecondMoment.mul_(options.Beta2).addcmul_(g, g, 1 - options.Beta2);
            var denominator = slot.SecondMoment.sqrt().div_(sqrtCorrection2).add_(options.Epsilon);
            target.addcdiv_(slot.FirstMoment, denominator, -stepSize);
            if (slot.Master is not null)
            {
                slot.Parameter.copy_(slot.Master);
            }
        }
    }

    /// <summary>The state tensors, keyed <c>{name}.exp_avg</c>, <c>{name}.exp_avg_sq</c> and <c>{name}.master</c>.</summary>
    public IEnumerable<(string Key, torch.Tensor Value)> StateTensors()
    {
        foreach (var slot in slots)
        {
            yield return ($"{slot.Name}.exp_avg", slot.FirstMoment);
            yield return ($"{slot.Name}.exp_avg_sq", slot.SecondMoment);
            if (slot.Master is not null)
            {
                yield return ($"{slot.Name}.master", slot.Master);
            }
        }
    }

    /// <summary>Restores the state saved from <see cref="StateTensors"/> and <see cref="StepCount"/>.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing or has the wrong shape; the message names it.</exception>
    public void LoadState(IReadOnlyDictionary<string, torch.Tensor> state, int stepCount)
    {
        using var noGrad = torch.no_grad();
        foreach (var slot in slots)
        {
            CopyInto(state, $"{slot.Name}.exp_avg", slot.FirstMoment);
            CopyInto(state, $"{slot.Name}.exp_avg_sq", slot.SecondMoment);
            if (slot.Master is not null)
            {
                CopyInto(state, $"{slot.Name}.master", slot.Master);
                slot.Parameter.copy_(slot.Master);
            }
        }

        StepCount = stepCount;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var slot in slots)
        {
            slot.FirstMoment.Dispose();
            slot.SecondMoment.Dispose();
            slot.Master?.Dispose();
        }

        slots.Clear();
    }

    private static void CopyInto(IReadOnlyDictionary<string, torch.Tensor> state, string key, torch.Tensor destination)
    {
        if (!state.TryGetValue(key, out var source))
        {
            throw new InvalidDataException($"The optimizer state has no tensor '{key}'; it was saved for a different set of trainable parameters.");
        }

        if (!source.shape.SequenceEqual(destination.shape))
        {
            throw new InvalidDataException($"The optimizer state tensor '{key}' has shape [{string.Join(", ", source.shape)}], expected [{string.Join(", ", destination.shape)}].");
        }

        destination.copy_(source);
    }

    private sealed record Slot(string Name, torch.Tensor Parameter, bool Decay, torch.Tensor FirstMoment, torch.Tensor SecondMoment, torch.Tensor? Master);
}
