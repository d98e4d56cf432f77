using System.Diagnostics;
using System.Text;

namespace TuneOperator.Controller.Tests.Native;

/// <summary>
/// The operator published as a Native AOT executable, once per test run, into this test project's obj folder (a rerun
/// with unchanged sources only relinks nothing: the publish is incremental). Needs clang and zlib1g-dev.
/// </summary>
internal static class NativeOperator
{
    private static readonly Lazy<Task<string>> Published = new(PublishAsync);

    /// <summary>The path of the native <c>tune-operator</c> executable.</summary>
    public static Task<string> PathAsync() => Published.Value;

    private static async Task<string> PublishAsync()
    {
        var root = Runtime.ResourceInformerTests.RepoRoot();
        if (!OnPath("clang"))
        {
            throw new InvalidOperationException(
                "Native AOT publishing needs clang (and zlib1g-dev) on PATH: install them (apt-get install clang zlib1g-dev) to run the native operator tests.");
        }

        var output = Path.Combine(root, "tests", "TuneOperator.Controller.Tests", "obj", "native-operator");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        foreach (var arg in new[]
        {
            "publish", Path.Combine(root, "src", "TuneOperator.Controller", "TuneOperator.Controller.csproj"),
            "-c", "Release", "-r", "linux-x64", "-o", output, "--disable-build-servers", "-v", "q", "-nologo",
        })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start `dotnet publish`.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var log = new StringBuilder().Append(await stdout).Append(await stderr).ToString();
        var executable = Path.Combine(output, "tune-operator");
        if (process.ExitCode != 0 || !File.Exists(executable))
        {
            throw new InvalidOperationException(
                $"`dotnet publish -r linux-x64` (Native AOT) of the operator failed (exit {process.ExitCode}; the ILCompiler package and clang are needed):\n{log}");
        }

        return executable;
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(folder => File.Exists(Path.Combine(folder, program)));
}
