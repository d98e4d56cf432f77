using Microsoft.Extensions.Options;
using TuneOperator.Protos;

namespace TuneOperator.Trainer.Control;

/// <summary>
/// Holds the trainer's session: a trainer process runs one plan at a time. Start is idempotent for the same job UID
/// and attempt; a different plan is refused while one is running.
/// </summary>
public sealed partial class TrainerSessions(ITrainingRunner runner, PathMappings paths, TimeProvider time, ILogger<TrainerSessions> logger) : IDisposable
{
    private readonly Lock gate = new();
    private readonly CancellationTokenSource abort = new();
    private TrainerSession? current;

    /// <summary>The current (or last) session, null before the first Start.</summary>
    public TrainerSession? Current
    {
        get
        {
            lock (gate)
            {
                return current;
            }
        }
    }

    /// <summary>Starts the plan unless the same job UID and attempt already started.</summary>
    /// <returns>The session, and whether it had already been started.</returns>
    /// <exception cref="InvalidOperationException">Another plan is still running.</exception>
    public (TrainerSession Session, bool AlreadyStarted) Start(TrainingRequest request)
    {
        lock (gate)
        {
            if (current is not null && current.Request.JobUid == request.JobUid && current.Request.Attempt == request.Attempt)
            {
                return (current, true);
            }

            if (current is { Finished: false })
            {
                throw new InvalidOperationException(
                    $"This trainer is running job {current.Request.JobNamespace}/{current.Request.JobName} (uid {current.Request.JobUid}, attempt {current.Request.Attempt}); stop it before starting another plan.");
            }

            var session = new TrainerSession(request, paths, time);
            current = session;
            LogStarting(logger, request.JobNamespace, request.JobName, request.Attempt, request.ResumeFrom ?? "");
            session.Start(runner, abort.Token);
            return (session, false);
        }
    }

    /// <summary>
    /// Stops the running session for shutdown: a graceful stop (checkpoint first) and, if it has not ended within
    /// <paramref name="gracePeriod"/>, cancellation of the run.
    /// </summary>
    public async Task ShutdownAsync(TimeSpan gracePeriod)
    {
        var session = Current;
        if (session is null || session.Finished)
        {
            return;
        }

        LogShuttingDown(logger, session.Request.JobName);
        session.Control.Stop(graceful: true);
        try
        {
            await session.Completion.WaitAsync(gracePeriod, time);
        }
        catch (TimeoutException)
        {
            await abort.CancelAsync();
            await session.Completion.WaitAsync(TimeSpan.FromSeconds(5), time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <inheritdoc />
    public void Dispose() => abort.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting job {Namespace}/{Name} attempt {Attempt} (resume from '{ResumeFrom}')")]
    private static partial void LogStarting(ILogger logger, string @namespace, string name, int attempt, string resumeFrom);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutting down: checkpointing and stopping job {Name}")]
    private static partial void LogShuttingDown(ILogger logger, string name);
}

/// <summary>On SIGTERM, checkpoints and stops the running session within the pod's grace period.</summary>
public sealed class TrainerShutdown(TrainerSessions sessions, IOptions<HostOptions> hostOptions) : IHostedService
{
    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) =>
        sessions.ShutdownAsync(hostOptions.Value.ShutdownTimeout - TimeSpan.FromSeconds(2));
}
