using TorchSharp;

namespace TuneOperator.Trainer.Training;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter) with decoupled weight decay, written here so that its whole state (moments, step
/// count, fp32 master weights) can be saved and restored exactly. Biases and normalisation weights (parameters of
/// fewer than two dimensions, or whose name contains "norm") get no weight decay. Parameters that are not fp32
/// (bf16 compute) are updated through an fp32 master copy that is written back after every step.
/// </summary>
/// <remarks>
/// <para>
/// For speed the optimizer owns flat buffers: the trainable parameters of one dtype and device are moved into one
/// contiguous tensor (each parameter becomes a view of its slice), their gradients are views of one flat gradient
/// tensor, and the moments and master weights are flat as well, with the weight-decaying parameters first. An update
/// is then a handful of element-wise operations over whole buffers instead of several per parameter tensor.
/// </para>
/// <para>
/// The gradients stay attached between steps: clear them with <see cref="ZeroGrad"/>, which zeroes the flat buffer in
/// place (as PyTorch's <c>zero_grad(set_to_none=False)</c>), so a trainable parameter the loss does not reach has a
/// zero gradient and its moments still decay. If a caller detached the gradients anyway (for example with
/// <c>Module.zero_grad()</c>, which sets them to none), the next step copies the new gradients back into the flat
/// buffer, and a parameter left without any gradient is not updated (its moments are not advanced).
/// </para>
/// </remarks>
public sealed class AdamW : IDisposable
{
    /// <summary>Elements per chunk of the flat update (8 MiB of fp32): the size of the fp32 work buffers.</summary>
    private const long ChunkElements = 1L << 21;

    private readonly List<Slot> slots = [];
    private readonly List<Group> groups = [];
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
        var named = parameters.ToList();
        if (named.Count == 0)
        {
            throw new ArgumentException("The model has no trainable parameters; nothing to optimize.", nameof(parameters));
        }

        using var noGrad = torch.no_grad();
        foreach (var members in named.GroupBy(p => (p.Parameter.dtype, p.Parameter.device.ToString())))
        {
            groups.Add(CreateGroup([.. members], masterWeights));
        }

        // Keep the caller's order for Parameters and ParameterNames.
        var order = named.Select((p, index) => (p.Name, index)).ToDictionary(p => p.Name, p => p.index, StringComparer.Ordinal);
        slots.Sort((a, b) => order[a.Name].CompareTo(order[b.Name]));
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

    /// <summary>Zeroes all gradients in place, keeping them attached to the optimizer's flat gradient buffers.</summary>
    public void ZeroGrad()
    {
        using var noGrad = torch.no_grad();
        foreach (var group in groups)
        {
            group.Gradients.zero_();
        }

        foreach (var slot in slots)
        {
            slot.Parameter.grad = slot.Gradient;
        }
    }

    /// <summary>
    /// Clips the gradients by their global L2 norm (computed in fp32) to <paramref name="maxNorm"/>, as
    /// <see cref="GradientClipping.ClipByGlobalNorm"/> does, over the flat gradient buffers; a
    /// <paramref name="maxNorm"/> of 0 or less only measures.
    /// </summary>
    /// <returns>The norm before clipping.</returns>
    public double ClipGradients(double maxNorm)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var attached = CollectGradients();
        if (!attached.All(a => a))
        {
            return GradientClipping.ClipByGlobalNorm(Parameters, maxNorm);
        }

        double sumOfSquares = 0;
        foreach (var group in groups)
        {
            for (long start = 0; start < group.Total; start += ChunkElements)
            {
                var norm = torch.linalg.vector_norm(FloatGradients(group, start)).item<float>();
                sumOfSquares += (double)norm * norm;
            }
        }

        var total = Math.Sqrt(sumOfSquares);
        if (maxNorm > 0 && total > maxNorm)
        {
            var coefficient = maxNorm / (total + 1e-6);
            foreach (var group in groups)
            {
                group.Gradients.mul_(coefficient);
            }
        }

        return total;
    }

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
        var decayFactor = 1 - (learningRate * options.WeightDecay);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var attached = CollectGradients();
        foreach (var group in groups)
        {
            var target = group.Master ?? group.Values;
            if (group.Members.All(s => attached[s.Index]))
            {
                // The whole group in a few operations per chunk of the flat buffers (the chunks bound the fp32
                // work buffers). The denominator is sqrt(v) / sqrt(c2) + eps; multiplying numerator and denominator
                // by sqrt(c2) gives sqrt(v) + eps·sqrt(c2) and a step of lr·sqrt(c2)/c1.
                for (long start = 0; start < group.Total; start += ChunkElements)
                {
                    var length = Math.Min(ChunkElements, group.Total - start);
                    var g = FloatGradients(group, start);
                    var values = target.narrow(0, start, length);
                    if (options.WeightDecay > 0 && start < group.DecayCount)
                    {
                        values.narrow(0, 0, Math.Min(length, group.DecayCount - start)).mul_(decayFactor);
                    }

                    var m = group.FirstMoment.narrow(0, start, length);
                    var v = group.SecondMoment.narrow(0, start, length);
                    m.mul_(options.Beta1).add_(g, 1 - options.Beta1);
                    v.mul_(options.Beta2).addcmul_(g, g, 1 - options.Beta2);
                    var denominator = group.Denominator.narrow(0, 0, length).copy_(v).sqrt_().add_(options.Epsilon * sqrtCorrection2);
                    values.addcdiv_(m, denominator, -stepSize * sqrtCorrection2);
                }
            }
            else
            {
                foreach (var slot in group.Members.Where(s => attached[s.Index]))
                {
                    var g = slot.Gradient.dtype == torch.ScalarType.Float32 ? slot.Gradient : slot.Gradient.to_type(torch.ScalarType.Float32);
                    var slice = target.narrow(0, slot.Offset, slot.Length);
                    var m = group.FirstMoment.narrow(0, slot.Offset, slot.Length);
                    var v = group.SecondMoment.narrow(0, slot.Offset, slot.Length);
                    if (slot.Decay && options.WeightDecay > 0)
                    {
                        slice.mul_(decayFactor);
                    }

                    var flatG = g.reshape(-1);
                    m.mul_(options.Beta1).add_(flatG, 1 - options.Beta1);
                    v.mul_(options.Beta2).addcmul_(flatG, flatG, 1 - options.Beta2);
                    var denominator = v.sqrt().div_(sqrtCorrection2).add_(options.Epsilon);
                    slice.addcdiv_(m, denominator, -stepSize);
                }
            }

            if (group.Master is not null)
            {
                group.Values.copy_(group.Master);
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
            slot.Gradient.Dispose();
            slot.FirstMoment.Dispose();
            slot.SecondMoment.Dispose();
            slot.Master?.Dispose();
        }

        foreach (var group in groups)
        {
            group.Dispose();
        }

        slots.Clear();
        groups.Clear();
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

    /// <summary>
    /// Moves one dtype/device's parameters into flat buffers (decaying parameters first) and re-points each
    /// parameter, its gradient, moments and master copy at its slice.
    /// </summary>
    private Group CreateGroup(List<(string Name, torch.Tensor Parameter)> members, IReadOnlyDictionary<string, torch.Tensor>? masterWeights)
    {
        var ordered = members
            .Select(m => (m.Name, m.Parameter, Decay: DecaysWeight(m.Name, m.Parameter)))
            .OrderByDescending(m => m.Decay)
            .ToList();
        var first = ordered[0].Parameter;
        var dtype = first.dtype;
        var device = first.device;
        var total = ordered.Sum(m => m.Parameter.numel());
        var decayCount = ordered.Where(m => m.Decay).Sum(m => m.Parameter.numel());
        var needsMaster = dtype != torch.ScalarType.Float32;

        var values = torch.empty(total, dtype, device).DetachFromDisposeScope();
        // One leading element more than needed: every gradient view then has a storage offset of at least 1, so a
        // gradient that autograd allocated afresh (offset 0) is never mistaken for the flat buffer's view.
        var gradients = torch.zeros(total + 1, dtype, device).narrow(0, 1, total).DetachFromDisposeScope();
        var firstMoment = torch.zeros(total, torch.ScalarType.Float32, device).DetachFromDisposeScope();
        var secondMoment = torch.zeros(total, torch.ScalarType.Float32, device).DetachFromDisposeScope();
        var chunk = Math.Min(total, ChunkElements);
        var denominator = torch.empty(chunk, torch.ScalarType.Float32, device).DetachFromDisposeScope();
        var master = needsMaster ? torch.empty(total, torch.ScalarType.Float32, device).DetachFromDisposeScope() : null;
        var floatGradients = needsMaster ? torch.empty(chunk, torch.ScalarType.Float32, device).DetachFromDisposeScope() : null;
        var group = new Group(values, gradients, firstMoment, secondMoment, denominator, master, floatGradients, decayCount);

        long offset = 0;
        foreach (var (name, parameter, decay) in ordered)
        {
            var length = parameter.numel();
            var shape = parameter.shape;
            var valueView = values.narrow(0, offset, length).view(shape);
            valueView.copy_(parameter);
            var gradientView = gradients.narrow(0, offset, length).view(shape).DetachFromDisposeScope();
            using (var existing = parameter.grad)
            {
                if (existing is not null)
                {
                    gradientView.copy_(existing);
                }
            }

            parameter.set_(valueView);
            valueView.Dispose();
            parameter.grad = gradientView;

            torch.Tensor? masterView = null;
            if (master is not null)
            {
                masterView = master.narrow(0, offset, length).view(shape).DetachFromDisposeScope();
                if (masterWeights is not null && masterWeights.TryGetValue(name, out var given))
                {
                    masterView.copy_(given.detach().to(torch.ScalarType.Float32, device));
                }
                else
                {
                    masterView.copy_(parameter);
                }
            }

            var slot = new Slot(
                slots.Count,
                name,
                parameter,
                decay,
                offset,
                length,
                gradientView,
                firstMoment.narrow(0, offset, length).view(shape).DetachFromDisposeScope(),
                secondMoment.narrow(0, offset, length).view(shape).DetachFromDisposeScope(),
                masterView);
            slots.Add(slot);
            group.Members.Add(slot);
            offset += length;
        }

        return group;
    }

    /// <summary>
    /// Checks every parameter's gradient: still the flat buffer's view (the normal case), replaced by a new tensor
    /// (copied back into the flat buffer and re-attached), or absent. Returns, per slot index, whether it has one.
    /// </summary>
    private bool[] CollectGradients()
    {
        var attached = new bool[slots.Count];
        var replaced = false;
        foreach (var slot in slots)
        {
            using var gradient = slot.Parameter.grad;
            if (gradient is null)
            {
                continue;
            }

            attached[slot.Index] = true;
            replaced |= gradient.storage_offset() != slot.Gradient.storage_offset() || !gradient.is_contiguous();
        }

        if (replaced)
        {
            foreach (var slot in slots.Where(s => attached[s.Index]))
            {
                using var gradient = slot.Parameter.grad!;
                slot.Gradient.copy_(gradient);
                slot.Parameter.grad = slot.Gradient;
            }
        }

        return attached;
    }

    /// <summary>The group's gradients in fp32: the flat buffer itself, or its fp32 copy for lower precisions.</summary>
    private static torch.Tensor FloatGradients(Group group, long start)
    {
        var length = Math.Min(ChunkElements, group.Total - start);
        var gradients = group.Gradients.narrow(0, start, length);
        return group.FloatGradients is null ? gradients : group.FloatGradients.narrow(0, 0, length).copy_(gradients);
    }

    private sealed record Slot(
        int Index,
        string Name,
        torch.Tensor Parameter,
        bool Decay,
        long Offset,
        long Length,
        torch.Tensor Gradient,
        torch.Tensor FirstMoment,
        torch.Tensor SecondMoment,
        torch.Tensor? Master);

    /// <summary>The flat buffers of one dtype and device.</summary>
    private sealed class Group(
        torch.Tensor values,
        torch.Tensor gradients,
        torch.Tensor firstMoment,
        torch.Tensor secondMoment,
        torch.Tensor denominator,
        torch.Tensor? master,
        torch.Tensor? floatGradients,
        long decayCount) : IDisposable
    {
        public torch.Tensor Values { get; } = values;

        public torch.Tensor Gradients { get; } = gradients;

        public torch.Tensor FirstMoment { get; } = firstMoment;

        public torch.Tensor SecondMoment { get; } = secondMoment;

        /// <summary>fp32 work buffer for one chunk's denominator, reused every step.</summary>
        public torch.Tensor Denominator { get; } = denominator;

        /// <summary>The number of elements in the flat buffers.</summary>
        public long Total => Values.numel();

        public torch.Tensor? Master { get; } = master;

        /// <summary>fp32 copy of one chunk of lower-precision gradients, reused every step.</summary>
        public torch.Tensor? FloatGradients { get; } = floatGradients;

        /// <summary>The number of leading elements that get weight decay.</summary>
        public long DecayCount { get; } = decayCount;

        public List<Slot> Members { get; } = [];

        public void Dispose()
        {
            Values.Dispose();
            Gradients.Dispose();
            FirstMoment.Dispose();
            SecondMoment.Dispose();
            Denominator.Dispose();
            Master?.Dispose();
            FloatGradients?.Dispose();
        }
    }
}
