using System.Collections.Concurrent;
using System.Text;
using Grpc.Core;
using k8s;
using Microsoft.Extensions.Logging;
using TuneOperator.Controller.FineTuneJobs;
using TuneOperator.Controller.Metrics;
using TuneOperator.Controller.Runtime;
using TuneOperator.Protos;
using k8s.Models;

namespace TuneOperator.Controller.Training;

/// <summary>
/// Owns one background session per running trainer: it reads the job's token, calls Start (idempotent per job UID and
/// attempt), and follows Watch (reconnecting from the last sequence), folding every event into an in-memory
/// <see cref="TrainerView"/> and the per-job Prometheus gauges, and waking the job's reconcile. Sessions are tracked:
/// stopped when the job finishes or goes away, and all stopped and awaited when the controller stops (shutdown or lost
/// leadership).
/// </summary>
public sealed partial class TrainerSupervisor(
    KubeApiClient client,
    OperatorMetrics metrics,
    Action<NamespacedName> enqueue,
    TrainerSupervisorOptions options,
    ILogger logger,
    TimeProvider time) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Session> sessions = new(StringComparer.Ordinal);

    /// <summary>The view of a job's current session, or null when none runs.</summary>
    public TrainerView? View(string jobUid) => sessions.TryGetValue(jobUid, out var session) ? session.View : null;

    /// <summary>
    /// Makes sure a session drives <paramref name="target"/>: nothing when one already does, otherwise the job's previous
    /// session (an older attempt) is stopped and a new one started. The session ends with <paramref name="controllerToken"/>.
    /// </summary>
    /// <remarks>
    /// The previous session may know checkpoints the job's status does not hold yet: the one saved on request as its pod
    /// was preempted or evicted, whose status write may have lost a conflict. They are carried into the new session's
    /// view, and the new attempt resumes from the newest of them (see <see cref="HandOver"/>).
    /// </remarks>
    public async Task EnsureAsync(TrainerTarget target, CancellationToken controllerToken)
    {
        if (sessions.TryGetValue(target.JobUid, out var existing))
        {
            if (existing.Target.Attempt == target.Attempt && existing.Target.PodName == target.PodName)
            {
                return;
            }

            await StopAsync(target.JobUid);
            if (existing.Target.Attempt < target.Attempt)
            {
                target = HandOver(existing.View, target);
            }
        }

        var session = new Session(target, CancellationTokenSource.CreateLinkedTokenSource(controllerToken));
        if (!sessions.TryAdd(target.JobUid, session))
        {
            session.Cancellation.Dispose();
            return;
        }

        session.Task = Task.Run(() => RunAsync(session), CancellationToken.None);
    }

    /// <summary>
    /// Asks the job's running trainer for a checkpoint now (before suspend, deletion, eviction), bounded by
    /// <see cref="TrainerSupervisorOptions.CheckpointTimeout"/>. Returns the checkpoint, or null when no trainer is
    /// connected, it refused, or the timeout passed (the caller goes on either way).
    /// </summary>
    public async Task<CheckpointInfo?> CheckpointAsync(string jobUid, CancellationToken cancellationToken)
    {
        if (!sessions.TryGetValue(jobUid, out var session) || session.Connection is not { } connection)
        {
            return null;
        }

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(options.CheckpointTimeout);
        try
        {
            var info = await connection.CheckpointAsync(bounded.Token);
            session.Update(view => TrainerViewFolder.AddCheckpoint(view, info, session.Target.KeepLast));
            LogCheckpointed(logger, session.Target.Job, info.Step);
            return info;
        }
        catch (RpcException ex)
        {
            LogCheckpointFailed(logger, session.Target.Job, ex.StatusCode.ToString());
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogCheckpointFailed(logger, session.Target.Job, "timeout");
            return null;
        }
    }

    /// <summary>True the first time it is called for a pod: eviction checkpoints are requested once per pod.</summary>
    public bool FirstDisruptionOf(string jobUid, string podName) =>
        sessions.TryGetValue(jobUid, out var session) && session.Target.PodName == podName && session.MarkDisruptionHandled();

    /// <summary>
    /// The target of a new attempt with the previous attempt's checkpoints added to its seed, resuming from the newest
    /// complete checkpoint known to either when that is newer than the one the target names. Pure.
    /// </summary>
    public static TrainerTarget HandOver(TrainerView previous, TrainerTarget next)
    {
        if (previous.Checkpoints.Count == 0)
        {
            return next;
        }

        var seed = next.Seed;
        foreach (var checkpoint in previous.Checkpoints.Where(c => seed.Checkpoints.All(known => known.Step != c.Step)))
        {
            seed = seed with
            {
                Checkpoints = [.. seed.Checkpoints.Append(checkpoint).OrderBy(c => c.Step).TakeLast(Math.Max(1, next.KeepLast))],
            };
        }

        seed = seed with { BestCheckpoint = seed.BestCheckpoint ?? previous.BestCheckpoint };
        var resumeFrom = FineTuneJobs.TrainerPlan.ResumeFrom(new Api.FineTuneJobStatus { Checkpoints = [.. seed.Checkpoints] });
        var named = seed.Checkpoints.FirstOrDefault(c => c.Path == next.Start.ResumeFrom);
        var newest = seed.Checkpoints.FirstOrDefault(c => c.Path == resumeFrom);
        if (newest is null || (named is not null && named.Step >= newest.Step))
        {
            return next with { Seed = seed };
        }

        var start = next.Start.Clone();
        start.ResumeFrom = newest.Path;
        return next with { Seed = seed, Start = start };
    }

    /// <summary>Stops a job's session and waits for it.</summary>
    public async Task StopAsync(string jobUid)
    {
        if (!sessions.TryRemove(jobUid, out var session))
        {
            return;
        }

        await session.CancelAsync();
        metrics.RemoveJob(session.Target.Job.Namespace, session.Target.Job.Name);
    }

    /// <summary>Stops every session and waits for all of them.</summary>
    public async Task StopAllAsync()
    {
        await Task.WhenAll(sessions.Keys.ToList().Select(StopAsync));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAllAsync();

    private async Task RunAsync(Session session)
    {
        var target = session.Target;
        var token = session.Cancellation.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                var secret = await client.GetAsync<V1Secret>(ResourceType.Secrets, target.Job.Namespace, target.TokenSecret, token);
                var bearer = secret.Data is { } data && data.TryGetValue(TrainerPodBuilder.TokenKey, out var bytes)
                    ? Encoding.UTF8.GetString(bytes)
                    : secret.StringData is { } text && text.TryGetValue(TrainerPodBuilder.TokenKey, out var plain) ? plain : null;
                if (string.IsNullOrWhiteSpace(bearer))
                {
                    throw new InvalidOperationException($"Secret {target.TokenSecret} has no '{TrainerPodBuilder.TokenKey}' key.");
                }

                using var connection = new TrainerConnection(target.Endpoint, bearer);
                var response = await connection.StartAsync(target.Start, token);
                session.Connection = connection;
                LogStarted(logger, target.Job, target.Attempt, response.AlreadyStarted, target.Start.ResumeFrom);
                await foreach (var trainerEvent in connection.WatchAsync(session.View.LastSequence, options.ReconnectDelay, token))
                {
                    session.Update(view => TrainerViewFolder.Apply(view, trainerEvent, target.KeepLast, time.GetUtcNow()));
                    Publish(session);
                    enqueue(target.Job);
                }

                // The run ended (final event): the view stays until the job's reconcile stops the session.
                await Task.Delay(Timeout.InfiniteTimeSpan, time, token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is RpcException or HttpRequestException or InvalidOperationException or k8s.Autorest.HttpOperationException)
            {
                session.Connection = null;
                LogSessionError(logger, ex, target.Job, target.Attempt);
                try
                {
                    await Task.Delay(options.ReconnectDelay, time, token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            finally
            {
                session.Connection = null;
            }
        }
    }

    private void Publish(Session session)
    {
        var view = session.View;
        var evals = view.Metrics.Where(m => m.Key.StartsWith("eval", StringComparison.Ordinal) || m.Key.StartsWith("retention", StringComparison.Ordinal)
            || m.Key.StartsWith("bias", StringComparison.Ordinal)).ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal);
        metrics.SetJobTraining(session.Target.Job.Namespace, session.Target.Job.Name, new JobTrainingSample(
            view.Progress?.Step ?? 0,
            view.Metrics.TryGetValue(Api.MetricNames.TrainLoss, out var loss) ? loss : null,
            view.Progress?.TokensPerSecond,
            view.Progress?.Eta is { } eta ? Math.Max(0, (eta - time.GetUtcNow()).TotalSeconds) : null,
            evals));
    }

    [LoggerMessage(3101, LogLevel.Information, "Trainer of {Job} attempt {Attempt} started (already started: {AlreadyStarted}, resume from: '{ResumeFrom}')")]
    private static partial void LogStarted(ILogger logger, NamespacedName job, int attempt, bool alreadyStarted, string resumeFrom);

    [LoggerMessage(3102, LogLevel.Warning, "Trainer session of {Job} attempt {Attempt} failed; retrying")]
    private static partial void LogSessionError(ILogger logger, Exception error, NamespacedName job, int attempt);

    [LoggerMessage(3103, LogLevel.Information, "Trainer of {Job} saved a checkpoint at step {Step} on request")]
    private static partial void LogCheckpointed(ILogger logger, NamespacedName job, long step);

    [LoggerMessage(3104, LogLevel.Warning, "Trainer of {Job} did not checkpoint on request ({Why}); going on")]
    private static partial void LogCheckpointFailed(ILogger logger, NamespacedName job, string why);

    private sealed class Session(TrainerTarget target, CancellationTokenSource cancellation)
    {
        private readonly Lock gate = new();
        private TrainerView view = target.Seed;
        private TrainerConnection? connection;

        private int disruptionHandled;

        public TrainerTarget Target { get; } = target;

        public CancellationTokenSource Cancellation { get; } = cancellation;

        public Task Task { get; set; } = Task.CompletedTask;

        public TrainerConnection? Connection
        {
            get => Volatile.Read(ref connection);
            set => Volatile.Write(ref connection, value);
        }

        public TrainerView View
        {
            get
            {
                lock (gate)
                {
                    return view;
                }
            }
        }

        /// <summary>True only for the first call: the pod's going-away checkpoint is requested once.</summary>
        public bool MarkDisruptionHandled() => Interlocked.Exchange(ref disruptionHandled, 1) == 0;

        public void Update(Func<TrainerView, TrainerView> change)
        {
            lock (gate)
            {
                view = change(view);
            }
        }

        public async Task CancelAsync()
        {
            await Cancellation.CancelAsync();
            await Task;
            Cancellation.Dispose();
        }
    }
}
