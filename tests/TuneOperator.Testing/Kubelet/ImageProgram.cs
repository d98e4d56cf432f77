namespace TuneOperator.Testing.Kubelet;

/// <summary>
/// What a container image runs on this machine: the image's ENTRYPOINT and CMD (as in an OCI image config) and its
/// environment. The container's <c>command</c> replaces <see cref="Entrypoint"/> (and drops <see cref="Cmd"/>), its
/// <c>args</c> replace <see cref="Cmd"/>, as a container runtime does.
/// </summary>
/// <param name="Entrypoint">The program and its first arguments, e.g. <c>["dotnet", "/path/tune-trainer.dll"]</c>; empty for images that only run what the container's <c>command</c> says.</param>
/// <param name="Cmd">The default arguments, used when the container has neither <c>command</c> nor <c>args</c>.</param>
/// <param name="Environment">Environment variables of the image; the container's <c>env</c> overrides them.</param>
public sealed record ImageProgram(
    IReadOnlyList<string> Entrypoint,
    IReadOnlyList<string>? Cmd = null,
    IReadOnlyDictionary<string, string>? Environment = null)
{
    /// <summary>An image without an entrypoint (like a base OS image): the container's <c>command</c> is run as it is.</summary>
    public static ImageProgram CommandOnly { get; } = new([]);

    /// <summary>The command line of a container of this image: its program first.</summary>
    /// <param name="command">The container's <c>command</c>, or null.</param>
    /// <param name="args">The container's <c>args</c>, or null.</param>
    public IReadOnlyList<string> CommandLine(IList<string>? command, IList<string>? args)
    {
        var line = new List<string>();
        if (command is { Count: > 0 })
        {
            line.AddRange(command);
            line.AddRange(args ?? []);
            return line;
        }

        line.AddRange(Entrypoint);
        line.AddRange(args is { Count: > 0 } ? args : Cmd ?? []);
        return line;
    }
}
