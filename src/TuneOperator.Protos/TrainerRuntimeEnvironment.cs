namespace TuneOperator.Protos;

/// <summary>
/// Runtime settings every launcher of <c>tune-trainer</c> puts in its environment (the operator's trainer pod, the
/// image, <c>tune run</c>'s child process). The .NET GC reads them only from the environment at start-up, not from
/// runtimeconfig, so the trainer cannot set them itself. A 2 MiB gen0 budget over 1 MiB regions keeps the resident
/// size flat over long runs: with the defaults the GC commits and keeps a further 4 MiB region thousands of steps into
/// a run (bench/README.md, "Memory growth").
/// </summary>
public static class TrainerRuntimeEnvironment
{
    /// <summary>The variables and their values.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Variables { get; } =
    [
        new("DOTNET_GCgen0size", "0x200000"),
        new("DOTNET_GCRegionSize", "0x100000"),
    ];
}
