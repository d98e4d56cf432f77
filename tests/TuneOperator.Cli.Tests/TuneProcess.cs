using System.Diagnostics;
using System.Text;
using TuneOperator.Testing.Tools;

namespace TuneOperator.Cli.Tests;

/// <summary>
/// The built <c>tune</c> CLI run as a child process (<c>dotnet tune.dll ...</c>), the way users run it: its output
/// is a pipe (not a terminal), its lines are collected as they arrive, and it can be sent signals.
/// </summary>
internal sealed class TuneProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly StringBuilder error = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> waiters = [];

    private TuneProcess(Process process) => this.process = process;

    /// <summary>
    /// The CLI as built in its own folder, in the tests' configuration (the copy next to the tests runs with the tests'
    /// dependency list, not the CLI's).
    /// </summary>
    public static string TuneDll => BuildOutput("TuneOperator.Cli", "tune.dll");

    /// <summary>The trainer built in the same configuration as the tests (the test project references it, so it is built first).</summary>
    public static string TrainerDll => BuildOutput("TuneOperator.Trainer", "tune-trainer.dll");

    /// <summary>The process id (the CLI runs inside the dotnet host's process).</summary>
    public int Id => process.Id;

    /// <summary>Standard output so far.</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>Standard error so far.</summary>
    public string Error
    {
        get
        {
            lock (output)
            {
                return error.ToString();
            }
        }
    }

    /// <summary>Starts <c>dotnet tune.dll</c> with <paramref name="arguments"/> in <paramref name="workingDirectory"/>.</summary>
    public static TuneProcess Start(string workingDirectory, params string[] arguments)
    {
        // SIGINT back to its default disposition: a test runner started in the background by a shell ignores it, and
        // the child would inherit that (.NET keeps an inherited SIG_IGN); a user's terminal gives the default.
        var start = new ProcessStartInfo(Env)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add(DotnetHost());
        start.ArgumentList.Add(TuneDll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Launch(start);
    }

    private static TuneProcess Launch(ProcessStartInfo start)
    {
        var process = new Process { StartInfo = start };
        var tune = new TuneProcess(process);
        process.OutputDataReceived += (_, e) => tune.Received(e.Data, tune.output);
        process.ErrorDataReceived += (_, e) => tune.Received(e.Data, tune.error);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return tune;
    }

    private const string Env = "/usr/bin/env";

    /// <summary>The pseudo-terminal runner (util-linux <c>script</c>), present on Debian.</summary>
    public const string Script = "/usr/bin/script";

    /// <summary>
    /// Starts <c>dotnet tune.dll</c> on a pseudo-terminal: <c>script</c> gives it a real pty, so tune sees a terminal
    /// (live view), and bytes written with <see cref="TypeAsync"/> reach it as keys (Ctrl-C becomes SIGINT for its
    /// foreground process group, as on a user's terminal). The exit code is tune's.
    /// </summary>
    public static TuneProcess StartOnTerminal(string workingDirectory, params string[] arguments)
    {
        var command = string.Join(' ', new[] { Env, "--default-signal=INT", DotnetHost(), TuneDll }.Concat(arguments).Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
        var start = new ProcessStartInfo(Script)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
            ArgumentList = { "--quiet", "--flush", "--return", "--command", command, "/dev/null" },
        };
        start.Environment["TERM"] = "xterm-256color";
        start.Environment["SHELL"] = "/bin/sh";
        return Launch(start);
    }

    /// <summary>Types <paramref name="keys"/> on the terminal of a process started with <see cref="StartOnTerminal"/>.</summary>
    public async Task TypeAsync(string keys, CancellationToken cancellationToken)
    {
        await process.StandardInput.WriteAsync(keys.AsMemory(), cancellationToken);
        await process.StandardInput.FlushAsync(cancellationToken);
    }

    /// <summary>Completes with the first output line matching <paramref name="match"/> (one seen already counts).</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (output)
        {
            var earlier = output.ToString().Split('\n').FirstOrDefault(match);
            if (earlier is not null)
            {
                seen.SetResult(earlier);
            }
            else
            {
                waiters.Add((match, seen));
            }
        }

        return seen.Task;
    }

    /// <summary>Sends SIGINT, as Ctrl-C on a terminal does, to the CLI process only.</summary>
    public async Task InterruptAsync(CancellationToken cancellationToken)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-INT", Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
        await kill.WaitForExitAsync(cancellationToken);
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -INT {Id} exited with {kill.ExitCode}");
        }
    }

    /// <summary>Waits for the process to exit and returns its exit code; kills it after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"tune did not exit within {timeout.TotalSeconds:0} s; output so far:\n{Output}\nerrors:\n{Error}");
        }

        // The exit can be seen before the last redirected lines are read; this wait returns after they were.
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }

        process.Dispose();
        lock (output)
        {
            foreach (var (_, seen) in waiters)
            {
                seen.TrySetCanceled();
            }
        }
    }

    private void Received(string? line, StringBuilder into)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            into.Append(line).Append('\n');
            if (!ReferenceEquals(into, output))
            {
                return;
            }

            foreach (var waiter in waiters.Where(w => w.Match(line)).ToList())
            {
                waiters.Remove(waiter);
                waiter.Seen.TrySetResult(line);
            }
        }
    }

    private static string BuildOutput(string project, string file)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var path = Repository.Path("src", project, "bin", configuration, "net10.0", file);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} is missing; build tests/TuneOperator.Cli.Tests (it builds the CLI and the trainer first).");
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
