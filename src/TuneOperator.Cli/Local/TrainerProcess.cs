using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Grpc.Core;
using TuneOperator.Protos;

namespace TuneOperator.Cli.Local;

/// <summary>
/// A <c>tune-trainer</c> child process on a free loopback port with a random bearer token, and the connection to it.
/// Its output goes to a log file so it does not disturb the live view.
/// </summary>
public sealed class TrainerProcess : IAsyncDisposable
{
    /// <summary>The environment variable naming the trainer (a tune-trainer.dll or an executable).</summary>
    public const string EnvironmentVariable = "TUNE_TRAINER";

    private const string SetSid = "/usr/bin/setsid";

    private readonly Process process;
    private readonly StreamWriter logWriter;
    private readonly CancellationTokenSource exited = new();

    private TrainerProcess(Process process, StreamWriter logWriter, TrainerConnection connection, string logPath)
    {
        this.process = process;
        this.logWriter = logWriter;
        Connection = connection;
        LogPath = logPath;
    }

    /// <summary>The authenticated connection to the trainer.</summary>
    public TrainerConnection Connection { get; }

    /// <summary>The file the trainer's output is written to.</summary>
    public string LogPath { get; }

    /// <summary>True when the process has exited.</summary>
    public bool HasExited => process.HasExited;

    /// <summary>
    /// Cancelled shortly after the process exits (the delay lets events already on the wire arrive), so a watch of a
    /// trainer that is gone ends instead of reconnecting forever.
    /// </summary>
    public CancellationToken Exited => exited.Token;

    /// <summary>
    /// Finds the trainer: <paramref name="explicitPath"/> (--trainer), then TUNE_TRAINER, then tune-trainer.dll next to
    /// this program, then the repository's build output (src/TuneOperator.Trainer/bin/{Debug,Release}/net10.0/).
    /// </summary>
    /// <exception cref="FileNotFoundException">No trainer was found; the message says how to provide one.</exception>
    public static string Locate(string? explicitPath)
    {
        var candidate = explicitPath ?? Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(candidate))
        {
            var full = Path.GetFullPath(candidate);
            return File.Exists(full)
                ? full
                : throw new FileNotFoundException($"the trainer {full} (from --trainer or {EnvironmentVariable}) does not exist", full);
        }

        var searched = new List<string> { Path.Combine(AppContext.BaseDirectory, "tune-trainer.dll") };
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "TuneOperator.sln")))
            {
                searched.AddRange(new[] { "Debug", "Release" }.Select(configuration =>
                    Path.Combine(folder.FullName, "src", "TuneOperator.Trainer", "bin", configuration, "net10.0", "tune-trainer.dll")));
                break;
            }
        }

        return searched.FirstOrDefault(File.Exists) ?? throw new FileNotFoundException(
            $"tune-trainer was not found (looked at {string.Join(", ", searched)}); build it with `dotnet build src/TuneOperator.Trainer` or pass --trainer <path to tune-trainer.dll>");
    }

    /// <summary>Starts the trainer and waits until its control service answers.</summary>
    /// <param name="trainerPath">A tune-trainer.dll (run with dotnet) or an executable.</param>
    /// <param name="logPath">Where the trainer's output is written.</param>
    /// <param name="timeout">How long to wait for the control service.</param>
    /// <param name="cancellationToken">Cancels the wait (the process is killed).</param>
    /// <exception cref="InvalidOperationException">The trainer exited or did not answer in time; the message quotes its log.</exception>
    public static async Task<TrainerProcess> StartAsync(string trainerPath, string logPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var grpcPort = FreePort();
        var metricsPort = FreePort();
        while (metricsPort == grpcPort)
        {
            metricsPort = FreePort();
        }

        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        var isDll = trainerPath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        string[] command = isDll ? [DotnetHost(), "exec", trainerPath] : [trainerPath];

        // Ctrl-C on a terminal signals the whole foreground process group. The trainer runs in a session of its own
        // (setsid execs in place, so the process is still the child started here) so that only tune sees it and
        // stops the trainer over gRPC, checkpoint first; otherwise both would stop at once and race.
        if (File.Exists(SetSid))
        {
            command = [SetSid, .. command];
        }

        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(trainerPath)!,
        };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["TUNE_Trainer__GrpcPort"] = grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["TUNE_Trainer__MetricsPort"] = metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["TUNE_Trainer__ListenAddress"] = "127.0.0.1";
        start.Environment["TUNE_Trainer__Token"] = token;
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in TrainerRuntimeEnvironment.Variables)
        {
            start.Environment[name] = value;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var connection = new TrainerConnection(new Uri($"http://127.0.0.1:{grpcPort}"), token);
        var logWriter = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => WriteLine(logWriter, e.Data);
        process.ErrorDataReceived += (_, e) => WriteLine(logWriter, e.Data);
        try
        {
            process.Start();
        }
        catch
        {
            connection.Dispose();
            process.Dispose();
            await logWriter.DisposeAsync();
            throw;
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var trainer = new TrainerProcess(process, logWriter, connection, logPath);
        process.Exited += (_, _) => trainer.OnExited();
        if (process.HasExited)
        {
            trainer.OnExited();
        }
        try
        {
            await trainer.WaitUntilAnsweringAsync(timeout, cancellationToken);
            return trainer;
        }
        catch
        {
            await trainer.DisposeAsync();
            throw;
        }
    }

    /// <summary>The last lines of the trainer's log, for error messages.</summary>
    public string LogTail(int lines = 15)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Connection.Dispose();
        if (!process.HasExited)
        {
            // The run has ended (or was stopped) by the time the trainer is disposed: nothing is lost by ending it.
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                // It did not exit in time; it was killed, nothing more can be done.
            }
            catch (InvalidOperationException)
            {
                // It exited between the check and the kill.
            }
        }
        else
        {
            await process.WaitForExitAsync(CancellationToken.None);
        }

        process.Dispose();
        await logWriter.DisposeAsync();
        exited.Dispose();
    }

    private void OnExited()
    {
        try
        {
            exited.CancelAfter(TimeSpan.FromSeconds(1));
        }
        catch (ObjectDisposedException)
        {
            // Disposed already: nobody is watching any more.
        }
    }

    private async Task WaitUntilAnsweringAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync(CancellationToken.None);
                throw new InvalidOperationException($"tune-trainer exited with code {process.ExitCode} before answering; its log ({LogPath}) ends with:\n{LogTail()}");
            }

            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                attempt.CancelAfter(TimeSpan.FromSeconds(2));
                await Connection.GetStatusAsync(attempt.Token);
                return;
            }
            catch (RpcException error) when (error.StatusCode is StatusCode.Unavailable or StatusCode.Cancelled or StatusCode.DeadlineExceeded
                && !deadline.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), CancellationToken.None);
            }
            catch (Exception error) when (error is RpcException or OperationCanceledException && deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new InvalidOperationException($"tune-trainer did not answer within {timeout.TotalSeconds:0} s; its log ({LogPath}) ends with:\n{LogTail()}", error);
            }
        }
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void WriteLine(StreamWriter writer, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (writer)
        {
            writer.WriteLine(line);
        }
    }
}
