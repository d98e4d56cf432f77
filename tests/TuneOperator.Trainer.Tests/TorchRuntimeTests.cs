using TorchSharp;
using Xunit;

namespace TuneOperator.Trainer.Tests;

public sealed class TorchRuntimeTests
{
    [Fact]
    public void Libtorch_loads_and_multiplies_matrices()
    {
        TorchRuntime.Initialize(2);

        using var a = torch.tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        using var b = torch.tensor(new float[] { 5, 6, 7, 8 }, [2, 2]);
        using var product = a.matmul(b);

        Assert.Equal([19f, 22f, 43f, 50f], product.data<float>().ToArray());
        Assert.Equal(2, torch.get_num_threads());
    }
}
