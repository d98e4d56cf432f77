using TorchSharp;

namespace TuneOperator.Trainer.Training;

/// <summary>Chooses the device and the thread count the trainer runs with.</summary>
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
}
