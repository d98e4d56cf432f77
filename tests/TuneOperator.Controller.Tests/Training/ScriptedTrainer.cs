using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TuneOperator.Protos;

namespace TuneOperator.Controller.Tests.Training;

/// <summary>
/// A trainer the test scripts: a real gRPC server on loopback implementing trainer.proto. It records Start, Watch and
/// Checkpoint calls with their bearer tokens, streams the events the test appends, and can drop open streams.
/// </summary>
internal sealed class ScriptedTrainer : Trainer.TrainerBase, IAsyncDisposable
{
    private readonly Lock gate = new();
    private readonly List<TrainerEvent> log = [];
    private readonly List<StartRequest> starts = [];
    private readonly List<long> watchFroms = [];
    private readonly List<string> tokens = [];
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication? app;
    private int drops;
    private long step;

    public int Port { get; private set; }

    public int CheckpointCalls { get; private set; }

    public IReadOnlyList<StartRequest> Starts
    {
        get
        {
            lock (gate)
            {
                return [.. starts];
            }
        }
    }

    public IReadOnlyList<long> WatchFroms
    {
        get
        {
            lock (gate)
            {
                return [.. watchFroms];
            }
        }
    }

    public IReadOnlyList<string> Tokens
    {
        get
        {
            lock (gate)
            {
                return [.. tokens];
            }
        }
    }

    public static async Task<ScriptedTrainer> StartAsync(CancellationToken cancellationToken)
    {
        var trainer = new ScriptedTrainer();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(trainer);
        trainer.app = builder.Build();
        trainer.app.MapGrpcService<ScriptedTrainer>();
        await trainer.app.StartAsync(cancellationToken);
        trainer.Port = new Uri(trainer.app.Urls.First()).Port;
        return trainer;
    }

    /// <summary>Appends progress events up to <paramref name="toStep"/>.</summary>
    public void Progress(long toStep, long totalSteps)
    {
        for (var s = step + 1; s <= toStep; s++)
        {
            Append(new TrainerEvent { Progress = new Progress { Step = s, TotalSteps = totalSteps, Epoch = (double)s / totalSteps, Loss = 2.0 - (s * 0.01), LearningRate = 1e-4, TokensPerSecond = 1000 } });
        }

        step = toStep;
    }

    public CheckpointInfo SaveCheckpoint(double evalLoss)
    {
        var info = new CheckpointInfo
        {
            Step = step, Path = $"/mnt/pvc/results/ckpt/step-{step}", Sha256 = "sha256:" + new string('a', 64), Metric = evalLoss, MetricName = "eval_loss",
            Time = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch),
        };
        Append(new TrainerEvent { CheckpointSaved = info });
        return info;
    }

    public void Append(TrainerEvent trainerEvent)
    {
        TaskCompletionSource signal;
        lock (gate)
        {
            trainerEvent.Sequence = log.Count + 1;
            trainerEvent.Time ??= Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch);
            log.Add(trainerEvent);
            signal = changed;
            changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        signal.TrySetResult();
    }

    /// <summary>Breaks every open Watch stream with Unavailable (the client reconnects).</summary>
    public void DropStreams()
    {
        TaskCompletionSource signal;
        lock (gate)
        {
            drops++;
            signal = changed;
            changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        signal.TrySetResult();
    }

    public override Task<StartResponse> Start(StartRequest request, ServerCallContext context)
    {
        lock (gate)
        {
            Record(context);
            var already = starts.Any(s => s.JobUid == request.JobUid && s.Attempt == request.Attempt);
            starts.Add(request);
            return Task.FromResult(new StartResponse { Accepted = true, AlreadyStarted = already, Status = new TrainerStatus { Phase = TrainerPhase.Training } });
        }
    }

    public override async Task Watch(WatchRequest request, IServerStreamWriter<TrainerEvent> responseStream, ServerCallContext context)
    {
        int dropsAtStart;
        lock (gate)
        {
            Record(context);
            watchFroms.Add(request.FromSequence);
            dropsAtStart = drops;
        }

        var sent = request.FromSequence;
        while (!context.CancellationToken.IsCancellationRequested)
        {
            List<TrainerEvent> pending;
            Task wait;
            lock (gate)
            {
                if (drops != dropsAtStart)
                {
                    throw new RpcException(new Status(StatusCode.Unavailable, "scripted drop"));
                }

                pending = [.. log.Where(e => e.Sequence > sent)];
                wait = changed.Task;
            }

            foreach (var trainerEvent in pending)
            {
                await responseStream.WriteAsync(trainerEvent, context.CancellationToken);
                sent = trainerEvent.Sequence;
                if (TrainerConnection.IsFinal(trainerEvent))
                {
                    return;
                }
            }

            if (pending.Count == 0)
            {
                await wait.WaitAsync(context.CancellationToken);
            }
        }
    }

    public override Task<CheckpointInfo> Checkpoint(CheckpointRequest request, ServerCallContext context)
    {
        lock (gate)
        {
            Record(context);
            CheckpointCalls++;
        }

        return Task.FromResult(SaveCheckpoint(1.0 / (step + 1)));
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private void Record(ServerCallContext context) =>
        tokens.Add(context.RequestHeaders.GetValue("authorization") ?? string.Empty);
}
