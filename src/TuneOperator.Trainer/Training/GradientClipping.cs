using TorchSharp;

namespace TuneOperator.Trainer.Training;

/// <summary>Clipping of gradients by their global L2 norm.</summary>
public static class GradientClipping
{
    /// <summary>
    /// The global L2 norm of all gradients (computed in fp32), and, when it exceeds <paramref name="maxNorm"/>,
    /// every gradient scaled in place by <c>maxNorm / (norm + 1e-6)</c>. A <paramref name="maxNorm"/> of 0 or less
    /// only measures. Parameters without a gradient are skipped.
    /// </summary>
    /// <returns>The norm before clipping.</returns>
    public static double ClipByGlobalNorm(IEnumerable<torch.Tensor> parameters, double maxNorm)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var grads = parameters.Select(p => p.grad).OfType<torch.Tensor>().ToList();
        if (grads.Count == 0)
        {
            return 0;
        }

        torch.Tensor? sum = null;
        foreach (var grad in grads)
        {
            var squares = grad.to_type(torch.ScalarType.Float32).square().sum();
            sum = sum is null ? squares : sum.add(squares);
        }

        var norm = Math.Sqrt(sum!.item<float>());
        if (maxNorm > 0 && norm > maxNorm)
        {
            var coefficient = maxNorm / (norm + 1e-6);
            foreach (var grad in grads)
            {
                grad.mul_(coefficient);
            }
        }

        return norm;
    }
}
