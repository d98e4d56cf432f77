using System.Runtime.InteropServices;
using TorchSharp;

namespace TuneOperator.Trainer.Training;

/// <summary>Chooses the device, the thread count and the compute precision the trainer runs with.</summary>
public static class TrainingDevice
{
    /// <summary>The CUDA device when libtorch has CUDA support and a GPU is visible, the CPU otherwise.</summary>
    /// <param name="allowCuda">False forces the CPU.</param>
    public static torch.Device Select(bool allowCuda = true)
        => allowCuda && torch.cuda.is_available() ? torch.CUDA : torch.CPU;

    /// <summary>
    /// Initializes libtorch with as many threads as the container may use: the cgroup CPU limit when one is set,
    /// otherwise <see cref="Environment.ProcessorCount"/>.
    /// </summary>
    /// <param name="cgroupRoot">The cgroup file system root; <c>/sys/fs/cgroup</c> by default.</param>
    /// <returns>The thread count libtorch runs with.</returns>
    public static int InitializeRuntime(string cgroupRoot = ContainerCpuLimit.DefaultCgroupRoot)
    {
        var threads = ContainerCpuLimit.ResolveThreads(cgroupRoot);
        TorchRuntime.Initialize(threads);
        return TorchRuntime.Threads;
    }

    /// <summary>
    /// The precision to train with: bf16 only when it was requested and the device runs bf16 kernels (probed with a
    /// small bf16 matrix product and its backward pass); fp32 otherwise.
    /// </summary>
    public static ComputePrecision ResolvePrecision(ComputePrecision requested, torch.Device device)
        => requested == ComputePrecision.BFloat16 && SupportsBFloat16(device) ? ComputePrecision.BFloat16 : ComputePrecision.Float32;

    /// <summary>Whether <paramref name="device"/> runs a bf16 matrix product forward and backward.</summary>
    public static bool SupportsBFloat16(torch.Device device)
    {
        try
        {
            using var scope = torch.NewDisposeScope();
            var a = torch.ones(4, 4, torch.ScalarType.BFloat16, device, requires_grad: true);
            var product = a.matmul(a).sum();
            product.backward();
            return product.item<float>() == 64f && a.grad is not null;
        }
        catch (Exception exception) when (exception is ExternalException or InvalidOperationException or NotSupportedException)
        {
            return false;
        }
    }
}
