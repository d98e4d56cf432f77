using Xunit;

namespace TuneOperator.Controller.Tests.ApiFake;

/// <summary>Tests that measure process-wide memory run alone, so other tests' allocations do not skew them.</summary>
[CollectionDefinition(nameof(SerialCollection), DisableParallelization = true)]
public sealed class SerialCollection;
