using TorchSharp;
using TuneOperator.Trainer.Training;
using Xunit;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Tests.Training;

public sealed class TrainingDeviceTests
{
    public TrainingDeviceTests() => TorchRuntime.Initialize(2);

    [Fact]
    public void Cuda_can_be_ruled_out()
    {
        Assert.Equal(DeviceType.CPU, TrainingDevice.Select(allowCuda: false).type);
    }

    [Fact]
    public void The_selected_device_is_cuda_exactly_when_a_gpu_is_visible()
    {
        var expected = cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU;

        Assert.Equal(expected, TrainingDevice.Select().type);
    }

    [Fact]
    public void Fp32_stays_fp32_and_bf16_is_granted_where_bf16_kernels_run()
    {
        Assert.Equal(ComputePrecision.Float32, TrainingDevice.ResolvePrecision(ComputePrecision.Float32, CPU));

        // libtorch's CPU build has bf16 kernels (emulated where the CPU lacks bf16 instructions).
        Assert.True(TrainingDevice.SupportsBFloat16(CPU));
        Assert.Equal(ComputePrecision.BFloat16, TrainingDevice.ResolvePrecision(ComputePrecision.BFloat16, CPU));
    }
}
