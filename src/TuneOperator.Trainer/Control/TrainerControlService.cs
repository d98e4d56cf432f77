using Grpc.Core;
using TuneOperator.Protos;

namespace TuneOperator.Trainer.Control;

/// <summary>The gRPC control surface of tune-trainer (see trainer.proto). Authentication is done by <see cref="BearerTokenInterceptor"/>.</summary>
public sealed class TrainerControlService(TrainerSessions sessions) : Protos.Trainer.TrainerBase
{
    /// <inheritdoc />
    public override Task<StartResponse> Start(StartRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.JobUid))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "job_uid is required: pass the FineTuneJob's metadata.uid."));
        }

        if (string.IsNullOrWhiteSpace(request.PlanJson))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "plan_json is required: pass the resolved FineTuneJob spec as JSON."));
        }

        try
        {
            var (session, alreadyStarted) = sessions.Start(new TrainingRequest(
                request.JobUid,
                request.JobNamespace,
                request.JobName,
                request.Attempt,
                request.PlanJson,
                string.IsNullOrEmpty(request.ResumeFrom) ? null : request.ResumeFrom));
            return Task.FromResult(new StartResponse { Accepted = true, AlreadyStarted = alreadyStarted, Status = session.Status });
        }
        catch (InvalidOperationException busy)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, busy.Message));
        }
    }

    /// <inheritdoc />
    public override async Task Watch(WatchRequest request, IServerStreamWriter<TrainerEvent> responseStream, ServerCallContext context)
    {
        var session = RequireSession();
        await foreach (var trainerEvent in session.Events.ReadAsync(request.FromSequence, context.CancellationToken))
        {
            await responseStream.WriteAsync(trainerEvent, context.CancellationToken);
        }
    }

    /// <inheritdoc />
    public override async Task<CheckpointInfo> Checkpoint(CheckpointRequest request, ServerCallContext context)
    {
        var session = RequireRunningSession();
        try
        {
            var saved = await session.Control.RequestCheckpointAsync().WaitAsync(context.CancellationToken);
            return session.ToPodPaths(CheckpointMessages.ToMessage(saved));
        }
        catch (InvalidOperationException ended)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, ended.Message));
        }
    }

    /// <inheritdoc />
    public override Task<TrainerStatus> Pause(PauseRequest request, ServerCallContext context)
    {
        var session = RequireRunningSession();
        session.Control.Pause();
        return Task.FromResult(session.Status);
    }

    /// <inheritdoc />
    public override Task<TrainerStatus> Resume(ResumeRequest request, ServerCallContext context)
    {
        var session = RequireRunningSession();
        session.Control.Resume();
        return Task.FromResult(session.Status);
    }

    /// <inheritdoc />
    public override async Task<TrainerStatus> Stop(StopRequest request, ServerCallContext context)
    {
        var session = RequireSession();
        if (!session.Finished)
        {
            session.Control.Stop(request.Graceful);
            await session.Completion.WaitAsync(context.CancellationToken);
        }

        return session.Status;
    }

    /// <inheritdoc />
    public override Task<TrainerStatus> GetStatus(GetStatusRequest request, ServerCallContext context) =>
        Task.FromResult(sessions.Current?.Status ?? new TrainerStatus { Phase = TrainerPhase.Idle });

    private TrainerSession RequireSession() =>
        sessions.Current ?? throw new RpcException(new Status(StatusCode.FailedPrecondition, "No plan has been started: call Start first."));

    private TrainerSession RequireRunningSession()
    {
        var session = RequireSession();
        return session.Finished
            ? throw new RpcException(new Status(StatusCode.FailedPrecondition, $"The run has ended ({session.Status.Phase}); nothing to control."))
            : session;
    }
}
