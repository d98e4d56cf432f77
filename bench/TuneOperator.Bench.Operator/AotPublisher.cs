using System.Diagnostics;

namespace TuneOperator.Bench.Operator;

/// <summary>Publishes the operator as a Native AOT executable (<c>dotnet publish -r linux-x64</c>; PublishAot is set in the operator project),
/// the build the operator image ships; incremental on a rerun.</summary>
internal static class AotPublisher
{
    /// <summary>Publishes into <paramref name="output"/>; throws with the publish output when it fails.</summary>
    public static async Task PublishAsync(string repoRoot, string output, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = repoRoot,
        };
        foreach (var arg in new[]
        {
            "publish", Path.Combine(repoRoot, "src/TuneOperator.Controller/TuneOperator.Controller.csproj"),
            "-c", "Release", "-r", "linux-x64", "-o", output, "--disable-build-servers", "-v", "q", "-nologo",
        })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start `dotnet publish`.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"the Native AOT publish of the operator failed (exit {process.ExitCode}; it needs clang and zlib1g-dev):\n{await stdout}{await stderr}");
        }
    }
}
