using Xunit;

namespace TuneOperator.Trainer.Tests.Training;

/// <summary>
/// libtorch's default random generator is process-wide: tests that seed it and expect the same weights, dropout
/// masks or loss curves must not run beside other tests that draw from it. They run in this collection, alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialTorchCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "libtorch random generator";
}
