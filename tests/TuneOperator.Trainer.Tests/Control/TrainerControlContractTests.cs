using Grpc.Core;
using Grpc.Health.V1;
using TuneOperator.Protos;
using TuneOperator.Trainer.Control;
using Xunit;

namespace TuneOperator.Trainer.Tests.Control;

public sealed class TrainerControlContractTests
{
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(50);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StartRequest Plan(string uid = "uid-1", int attempt = 0) =>
        new() { JobUid = uid, JobNamespace = "ml", JobName = "job", Attempt = attempt, PlanJson = "{}" };

    private static async Task<List<TrainerEvent>> WatchToEndAsync(TrainerConnection connection, long from = 0)
    {
        var events = new List<TrainerEvent>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        await foreach (var trainerEvent in connection.WatchAsync(from, Retry, timeout.Token))
        {
            events.Add(trainerEvent);
        }

        return events;
    }

    [Fact]
    public async Task Calls_without_the_token_or_with_a_wrong_one_are_refused_but_health_is_open()
    {
        await using var server = await TrainerServer.StartAsync(new ScriptedRunner());
        using var wrong = server.Connect("wrong-token-0123456789");

        var refused = await Assert.ThrowsAsync<RpcException>(() => wrong.GetStatusAsync(Ct));
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);

        var missing = await Assert.ThrowsAsync<RpcException>(async () => await wrong.Client.GetStatusAsync(new GetStatusRequest(), cancellationToken: Ct));
        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);
        Assert.Null(server.Sessions.Current);

        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(server.GrpcAddress);
        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), cancellationToken: Ct);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Fact]
    public async Task A_started_plan_streams_ordered_progress_and_completes()
    {
        await using var server = await TrainerServer.StartAsync(new ScriptedRunner { Steps = 10, StepDelay = TimeSpan.FromMilliseconds(5) });
        using var connection = server.Connect();

        var started = await connection.StartAsync(Plan(), Ct);
        var events = await WatchToEndAsync(connection);

        Assert.True(started.Accepted);
        Assert.False(started.AlreadyStarted);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), events.Where(e => e.Progress is not null).Select(e => e.Progress.Step));
        var completed = Assert.Single(events, e => e.Completed is not null).Completed;
        Assert.Equal("/out/model", completed.OutputPath);
        Assert.Equal(TrainerPhase.Succeeded, (await connection.GetStatusAsync(Ct)).Phase);
    }

    [Fact]
    public async Task Start_is_idempotent_for_the_same_job_and_attempt_and_refuses_another_plan_while_running()
    {
        var runner = new ScriptedRunner { Steps = 200 };
        await using var server = await TrainerServer.StartAsync(runner);
        using var connection = server.Connect();

        await connection.StartAsync(Plan(), Ct);
        var again = await connection.StartAsync(Plan(), Ct);
        var other = await Assert.ThrowsAsync<RpcException>(() => connection.StartAsync(Plan(uid: "uid-2"), Ct));

        Assert.True(again.AlreadyStarted);
        Assert.Equal(StatusCode.FailedPrecondition, other.StatusCode);
        Assert.Single(runner.Requests);
        await connection.StopAsync(graceful: false, Ct);
    }

    [Fact]
    public async Task A_watch_resumed_from_a_sequence_gets_every_later_event_and_nothing_before()
    {
        await using var server = await TrainerServer.StartAsync(new ScriptedRunner { Steps = 30, StepDelay = TimeSpan.FromMilliseconds(5) });
        using var connection = server.Connect();
        await connection.StartAsync(Plan(), Ct);

        var first = new List<TrainerEvent>();
        await foreach (var trainerEvent in connection.WatchAsync(0, Retry, Ct))
        {
            first.Add(trainerEvent);
            if (first.Count == 7)
            {
                break;
            }
        }

        var rest = await WatchToEndAsync(connection, from: first[^1].Sequence);

        var all = first.Concat(rest).Select(e => e.Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, all.Count).Select(i => (long)i), all);
        Assert.NotNull(rest[^1].Completed);
    }

    [Fact]
    public async Task Pause_holds_training_and_resume_continues_it()
    {
        await using var server = await TrainerServer.StartAsync(new ScriptedRunner { Steps = 400, StepDelay = TimeSpan.FromMilliseconds(5) });
        using var connection = server.Connect();
        await connection.StartAsync(Plan(), Ct);

        var paused = await connection.PauseAsync(Ct);
        await Task.Delay(100, Ct);
        var stepWhilePaused = (await connection.GetStatusAsync(Ct)).Progress?.Step ?? 0;
        await Task.Delay(200, Ct);
        var stillPaused = await connection.GetStatusAsync(Ct);
        await connection.ResumeAsync(Ct);
        await Task.Delay(200, Ct);
        var resumed = await connection.GetStatusAsync(Ct);

        Assert.Equal(TrainerPhase.Paused, paused.Phase);
        Assert.Equal(TrainerPhase.Paused, stillPaused.Phase);
        Assert.Equal(stepWhilePaused, stillPaused.Progress?.Step ?? 0);
        Assert.Equal(TrainerPhase.Training, resumed.Phase);
        Assert.True(resumed.Progress.Step > stepWhilePaused);
        await connection.StopAsync(graceful: false, Ct);
    }

    [Fact]
    public async Task Checkpoint_saves_now_and_answers_with_the_checkpoint_also_reported_as_an_event()
    {
        await using var server = await TrainerServer.StartAsync(new ScriptedRunner { Steps = 400, StepDelay = TimeSpan.FromMilliseconds(5) });
        using var connection = server.Connect();
        await connection.StartAsync(Plan(), Ct);
        await Task.Delay(50, Ct);

        var checkpoint = await connection.CheckpointAsync(Ct);
        var stopped = await connection.StopAsync(graceful: false, Ct);
        var events = await WatchToEndAsync(connection);

        Assert.True(checkpoint.Step > 0);
        Assert.Contains(events, e => e.CheckpointSaved is { } saved && saved.Step == checkpoint.Step && saved.Path == checkpoint.Path);
        Assert.Equal(TrainerPhase.Stopped, stopped.Phase);
        Assert.Equal(TrainerPhase.Stopped, events[^1].PhaseChanged.Phase);
    }

    [Fact]
    public async Task A_graceful_stop_checkpoints_before_it_ends()
    {
        await using var server = await TrainerServer.StartAsync(new ScriptedRunner { Steps = 400, StepDelay = TimeSpan.FromMilliseconds(5) });
        using var connection = server.Connect();
        await connection.StartAsync(Plan(), Ct);
        await Task.Delay(50, Ct);

        var stopped = await connection.StopAsync(graceful: true, Ct);
        var events = await WatchToEndAsync(connection);

        Assert.Equal(TrainerPhase.Stopped, stopped.Phase);
        var lastStep = events.Where(e => e.Progress is not null).Max(e => e.Progress.Step);
        Assert.Equal(lastStep, stopped.LastCheckpoint.Step);
        var checkpointIndex = events.FindIndex(e => e.CheckpointSaved is not null);
        Assert.True(checkpointIndex >= 0 && checkpointIndex < events.Count - 1);
    }

    [Fact]
    public async Task A_permanent_failure_is_reported_with_its_reason_and_message()
    {
        var failure = new TrainingFailedException("InvalidDataset", "train.jsonl line 3: missing field 'output'", permanent: true);
        await using var server = await TrainerServer.StartAsync(new ScriptedRunner { FailAt = (3, failure), StepDelay = TimeSpan.FromMilliseconds(1) });
        using var connection = server.Connect();
        await connection.StartAsync(Plan(), Ct);

        var events = await WatchToEndAsync(connection);

        var failed = events[^1].Failed;
        Assert.Equal("InvalidDataset", failed.Reason);
        Assert.True(failed.Permanent);
        Assert.Contains("line 3", failed.Message, StringComparison.Ordinal);
        Assert.Equal(TrainerPhase.Failed, (await connection.GetStatusAsync(Ct)).Phase);
    }

    [Fact]
    public async Task Shutting_the_host_down_checkpoints_and_stops_the_run()
    {
        var server = await TrainerServer.StartAsync(new ScriptedRunner { Steps = 1000, StepDelay = TimeSpan.FromMilliseconds(5) });
        await using (server)
        {
            using var connection = server.Connect();
            await connection.StartAsync(Plan(), Ct);
            await Task.Delay(50, Ct);

            await server.StopHostAsync();

            var session = server.Sessions.Current!;
            Assert.Equal(TrainerPhase.Stopped, session.Status.Phase);
            Assert.Equal(session.Status.Progress.Step, session.Status.LastCheckpoint.Step);
        }
    }

    [Fact]
    public async Task A_resumed_attempt_passes_its_checkpoint_to_the_runner()
    {
        var runner = new ScriptedRunner { Steps = 8, StepDelay = TimeSpan.FromMilliseconds(1) };
        await using var server = await TrainerServer.StartAsync(runner);
        using var connection = server.Connect();
        var plan = Plan(attempt: 1);
        plan.ResumeFrom = "/ckpt/step-5";

        await connection.StartAsync(plan, Ct);
        var events = await WatchToEndAsync(connection);

        Assert.Equal("/ckpt/step-5", Assert.Single(runner.Requests).ResumeFrom);
        Assert.Equal([6L, 7L, 8L], events.Where(e => e.Progress is not null).Select(e => e.Progress.Step));
    }
}
