using System.Text.Json;
using Grpc.Core;
using TuneOperator.Api;
using TuneOperator.Api.Validation;
using TuneOperator.Protos;

namespace TuneOperator.Cli.Local;

/// <summary>Options of one <c>tune run</c>.</summary>
/// <param name="TrainerPath">The trainer to start (see <see cref="TrainerProcess.Locate"/>).</param>
/// <param name="Resume">Continue from the newest complete checkpoint of an earlier run of the same job.</param>
/// <param name="OutputStatus">An extra file the status JSON is written to, or null.</param>
/// <param name="StartupTimeout">How long the trainer may take to answer.</param>
public sealed record LocalRunOptions(string TrainerPath, bool Resume, string? OutputStatus, TimeSpan StartupTimeout);

/// <summary>
/// Runs one FineTuneJob on this machine through the trainer's gRPC contract, the way the operator runs it in a pod:
/// resolves fromJob against the local runs folder, starts tune-trainer, calls Start, follows Watch, and on interrupt
/// saves a checkpoint and stops gracefully. The status is written to <c>.tune/runs/&lt;job&gt;/status.json</c>.
/// </summary>
/// <param name="manifest">The manifest the job came from.</param>
/// <param name="options">The run options.</param>
/// <param name="time">The clock.</param>
public sealed class LocalJobRunner(LocalManifest manifest, LocalRunOptions options, TimeProvider time)
{
    /// <summary>The file name of a local job's status inside its run folder.</summary>
    public const string StatusFileName = "status.json";

    /// <summary>The run folder of <paramref name="jobName"/>.</summary>
    public string RunDirectory(string jobName) => Path.Combine(manifest.RunsDirectory, jobName);

    /// <summary>Reads a local job's status file, or null when the job has not run here.</summary>
    public FineTuneJobStatus? ReadStatus(string jobName)
    {
        var path = Path.Combine(RunDirectory(jobName), StatusFileName);
        return File.Exists(path) ? JsonSerializer.Deserialize<FineTuneJobStatus>(File.ReadAllText(path), ApiJson.Options) : null;
    }

    /// <summary>
    /// Makes the spec the trainer runs: fromJob replaced by the local parent's output, the checkpoint location defaulted
    /// to <c>&lt;output.location&gt;/checkpoints</c> when none is set.
    /// </summary>
    /// <exception cref="ValidationException">fromJob names a job that has not succeeded here.</exception>
    public FineTuneJobSpec Plan(FineTuneJob job)
    {
        var spec = job.Spec with { Model = job.Spec.Model with { }, Checkpoint = job.Spec.Checkpoint with { } };
        if (spec.Model.FromJob is { } parent)
        {
            var parentStatus = ReadStatus(parent);
            if (parentStatus?.Phase != JobPhase.Succeeded || parentStatus.Output is null)
            {
                throw new ValidationException([new ValidationError("spec.model.fromJob",
                    $"job \"{parent}\" has no successful local run in {RunDirectory(parent)}; run it first (put it earlier in the same manifest or run its manifest from this folder)")]);
            }

            spec.Model = spec.Model with { FromJob = null, Source = ToUri(parentStatus.Output.Path) };
        }

        // The API's default, as the operator applies it: <output.location>/checkpoints.
        spec.Checkpoint.Location = spec.Checkpoint.LocationOrDefault(spec.Output.Location);
        return spec;
    }

    /// <summary>Runs <paramref name="job"/> to its end, or until <paramref name="interrupt"/> fires (checkpoint and graceful stop).</summary>
    /// <returns>The tracker holding the final status.</returns>
    public async Task<RunStatusTracker> RunAsync(FineTuneJob job, RunView view, CancellationToken interrupt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(view);
        var name = job.Metadata.Name;
        var runDirectory = RunDirectory(name);
        Directory.CreateDirectory(runDirectory);
        var previous = options.Resume ? ReadStatus(name) : null;
        var tracker = new RunStatusTracker(time, previous, job.Spec.Model.FromJob);
        var spec = Plan(job);
        var resumeFrom = previous is null ? null : tracker.NewestCheckpoint(LocalManifest.ToLocalPath);
        if (options.Resume && resumeFrom is null)
        {
            await view.Out.WriteLineAsync($"[{name}] no complete checkpoint from an earlier run: starting from the beginning");
        }
        else if (resumeFrom is not null)
        {
            await view.Out.WriteLineAsync($"[{name}] resuming from the checkpoint at step {resumeFrom.Step}: {resumeFrom.Path}");
        }

        if (previous is not null)
        {
            tracker.Status.Restarts = (previous.Restarts ?? 0) + 1;
        }

        var attempt = (tracker.Status.Restarts ?? 0) + 1;
        try
        {
            await using var trainer = await TrainerProcess.StartAsync(options.TrainerPath, Path.Combine(runDirectory, "trainer.log"), options.StartupTimeout, cancellationToken);
            await view.ShowAsync(name, async show =>
            {
                await FollowAsync(trainer, job, spec, resumeFrom, attempt, tracker, show, interrupt, cancellationToken);
                return true;
            });
        }
        catch (InvalidOperationException error)
        {
            tracker.MarkFailed("TrainerUnavailable", error.Message);
        }
        catch (RpcException error)
        {
            tracker.MarkFailed("TrainerError", $"{error.StatusCode}: {error.Status.Detail}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Aborted (a second Ctrl-C): the trainer was ended without a final checkpoint.
            tracker.MarkStopped("aborted without a final checkpoint; `tune run --resume` continues from the newest earlier one");
        }

        WriteStatus(name, tracker.Status);
        return tracker;
    }

    /// <summary>The files the status of <paramref name="jobName"/> is written to.</summary>
    public IReadOnlyList<string> StatusFiles(string jobName) =>
        options.OutputStatus is null
            ? [Path.Combine(RunDirectory(jobName), StatusFileName)]
            : [Path.Combine(RunDirectory(jobName), StatusFileName), Path.GetFullPath(options.OutputStatus)];

    private async Task FollowAsync(TrainerProcess trainer, FineTuneJob job, FineTuneJobSpec spec, CheckpointStatus? resumeFrom, int attempt,
        RunStatusTracker tracker, Action<TrainerEvent, RunStatusTracker> show, CancellationToken interrupt, CancellationToken cancellationToken)
    {
        var name = job.Metadata.Name;
        var start = await trainer.Connection.StartAsync(new StartRequest
        {
            JobUid = job.Metadata.Uid ?? $"local-{name}",
            JobNamespace = job.Metadata.NamespaceProperty ?? "local",
            JobName = name,
            Attempt = attempt,
            PlanJson = JsonSerializer.Serialize(spec, ApiJson.Options),
            ResumeFrom = resumeFrom is null ? "" : LocalManifest.ToLocalPath(resumeFrom.Path),
        }, cancellationToken);
        if (!start.Accepted)
        {
            tracker.MarkFailed("StartRejected", string.IsNullOrEmpty(start.Status?.Message) ? "the trainer did not accept the plan" : start.Status.Message);
            return;
        }

        Task? stopping = null;
        using var onInterrupt = interrupt.Register(() => stopping = StopAsync(trainer.Connection, cancellationToken));
        using var watch = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, trainer.Exited);
        try
        {
            await foreach (var trainerEvent in trainer.Connection.WatchAsync(0, TimeSpan.FromMilliseconds(500), watch.Token))
            {
                tracker.Apply(trainerEvent);
                show(trainerEvent, tracker);
                if (tracker.Ended)
                {
                    break;
                }
            }
        }
        catch (Exception gone) when (gone is OperationCanceledException or RpcException && trainer.Exited.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The trainer exited; what it reported before is in the tracker.
        }

        if (stopping is not null)
        {
            try
            {
                await stopping;
            }
            catch (RpcException) when (trainer.HasExited)
            {
                // It stopped by itself meanwhile (e.g. it was signalled too); its checkpoint events were applied above.
            }

            if (!tracker.Ended)
            {
                tracker.MarkStopped("interrupted; `tune run --resume` continues from the newest checkpoint");
            }
        }
        else if (!tracker.Ended)
        {
            var ended = trainer.HasExited ? "the trainer exited" : "the trainer ended the event stream";
            tracker.MarkFailed("TrainerEnded", $"{ended} without a final event; see {trainer.LogPath}:\n{trainer.LogTail()}");
        }
    }

    private static async Task StopAsync(TrainerConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await connection.CheckpointAsync(cancellationToken);
        }
        catch (RpcException)
        {
            // No checkpoint could be taken now (e.g. still loading); the graceful stop below saves one if it can.
        }

        await connection.StopAsync(graceful: true, cancellationToken);
    }

    private void WriteStatus(string jobName, FineTuneJobStatus status)
    {
        var json = JsonSerializer.Serialize(status, new JsonSerializerOptions(ApiJson.Options) { WriteIndented = true });
        foreach (var file in StatusFiles(jobName))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, json);
        }
    }

    private static string ToUri(string path) =>
        path.StartsWith("file://", StringComparison.Ordinal) || path.StartsWith("pvc://", StringComparison.Ordinal)
            ? path
            : LocalManifest.ToFileUri(path);
}
