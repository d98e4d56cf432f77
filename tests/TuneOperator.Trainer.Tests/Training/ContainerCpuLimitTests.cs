using TuneOperator.Trainer.Training;
using Xunit;

namespace TuneOperator.Trainer.Tests.Training;

public sealed class ContainerCpuLimitTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("cgroup-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void Cgroup_v2_quota_over_period_gives_the_limit()
    {
        File.WriteAllText(Path.Combine(root, "cpu.max"), "150000 100000\n");

        Assert.Equal(1.5, ContainerCpuLimit.Read(root));
        Assert.Equal(Math.Min(2, Environment.ProcessorCount), ContainerCpuLimit.ResolveThreads(root));
    }

    [Fact]
    public void Cgroup_v2_without_a_quota_means_no_limit()
    {
        File.WriteAllText(Path.Combine(root, "cpu.max"), "max 100000\n");

        Assert.Null(ContainerCpuLimit.Read(root));
        Assert.Equal(Environment.ProcessorCount, ContainerCpuLimit.ResolveThreads(root));
    }

    [Fact]
    public void Cgroup_v1_cfs_quota_gives_the_limit()
    {
        Directory.CreateDirectory(Path.Combine(root, "cpu"));
        File.WriteAllText(Path.Combine(root, "cpu", "cpu.cfs_quota_us"), "100000\n");
        File.WriteAllText(Path.Combine(root, "cpu", "cpu.cfs_period_us"), "100000\n");

        Assert.Equal(1.0, ContainerCpuLimit.Read(root));
        Assert.Equal(1, ContainerCpuLimit.ResolveThreads(root));
    }

    [Fact]
    public void Cgroup_v1_unlimited_quota_and_no_cgroup_fall_back_to_the_processor_count()
    {
        Assert.Null(ContainerCpuLimit.Read(root));

        Directory.CreateDirectory(Path.Combine(root, "cpu"));
        File.WriteAllText(Path.Combine(root, "cpu", "cpu.cfs_quota_us"), "-1\n");
        File.WriteAllText(Path.Combine(root, "cpu", "cpu.cfs_period_us"), "100000\n");

        Assert.Null(ContainerCpuLimit.Read(root));
        Assert.Equal(Environment.ProcessorCount, ContainerCpuLimit.ResolveThreads(root));
    }
}
