using System.Net;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TuneOperator.Protos;
using Xunit;

namespace TuneOperator.Protos.Tests;

/// <summary>The typed client against a real gRPC server on loopback whose Watch streams are scripted per call.</summary>
public sealed class TrainerConnectionTests
{
    private const string Token = "token-0123456789abcdef";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static TrainerEvent ProgressEvent(long sequence) => new() { Sequence = sequence, Progress = new Progress { Step = sequence } };

    private static TrainerEvent CompletedEvent(long sequence) => new() { Sequence = sequence, Completed = new Completed { OutputPath = "/out" } };

    [Fact]
    public async Task Every_call_carries_the_bearer_token()
    {
        var trainer = new ScriptedTrainer();
        await using var server = await ScriptedServer.StartAsync(trainer);
        using var connection = new TrainerConnection(server.Address, Token);

        await connection.GetStatusAsync(Ct);
        await connection.CheckpointAsync(Ct);

        Assert.Equal(["Bearer " + Token, "Bearer " + Token], trainer.Authorizations);
    }

    [Fact]
    public async Task A_broken_watch_reconnects_from_the_last_sequence_and_ends_after_the_final_event()
    {
        var trainer = new ScriptedTrainer();
        trainer.Streams.Enqueue(new WatchScript([ProgressEvent(1), ProgressEvent(2), ProgressEvent(3)], StatusCode.Unavailable));
        trainer.Streams.Enqueue(new WatchScript([ProgressEvent(4), CompletedEvent(5), ProgressEvent(6)], null));
        await using var server = await ScriptedServer.StartAsync(trainer);
        using var connection = new TrainerConnection(server.Address, Token);

        var seen = new List<long>();
        await foreach (var trainerEvent in connection.WatchAsync(0, TimeSpan.FromMilliseconds(20), Ct))
        {
            seen.Add(trainerEvent.Sequence);
        }

        Assert.Equal([1L, 2L, 3L, 4L, 5L], seen);
        Assert.Equal([0L, 3L], trainer.WatchedFrom);
    }

    [Fact]
    public async Task A_stream_the_server_completes_ends_the_watch_without_reconnecting()
    {
        var trainer = new ScriptedTrainer();
        trainer.Streams.Enqueue(new WatchScript([ProgressEvent(8)], null));
        await using var server = await ScriptedServer.StartAsync(trainer);
        using var connection = new TrainerConnection(server.Address, Token);

        var seen = new List<long>();
        await foreach (var trainerEvent in connection.WatchAsync(7, TimeSpan.FromMilliseconds(20), Ct))
        {
            seen.Add(trainerEvent.Sequence);
        }

        Assert.Equal([8L], seen);
        Assert.Equal([7L], trainer.WatchedFrom);
    }

    [Fact]
    public async Task Authentication_errors_are_not_retried()
    {
        var trainer = new ScriptedTrainer();
        trainer.Streams.Enqueue(new WatchScript([], StatusCode.Unauthenticated));
        trainer.Streams.Enqueue(new WatchScript([ProgressEvent(1)], null));
        await using var server = await ScriptedServer.StartAsync(trainer);
        using var connection = new TrainerConnection(server.Address, Token);

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var unused in connection.WatchAsync(0, TimeSpan.FromMilliseconds(20), Ct))
            {
            }
        });

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal([0L], trainer.WatchedFrom);
    }

    [Fact]
    public void Final_events_are_completion_failure_and_the_stopped_phase()
    {
        Assert.True(TrainerConnection.IsFinal(CompletedEvent(1)));
        Assert.True(TrainerConnection.IsFinal(new TrainerEvent { Failed = new Failed { Reason = "InvalidDataset" } }));
        Assert.True(TrainerConnection.IsFinal(new TrainerEvent { PhaseChanged = new PhaseChanged { Phase = TrainerPhase.Stopped } }));
        Assert.False(TrainerConnection.IsFinal(new TrainerEvent { PhaseChanged = new PhaseChanged { Phase = TrainerPhase.Paused } }));
        Assert.False(TrainerConnection.IsFinal(ProgressEvent(1)));
        Assert.False(TrainerConnection.IsFinal(new TrainerEvent { CheckpointSaved = new CheckpointInfo { Step = 3 } }));
    }

    private sealed record WatchScript(IReadOnlyList<TrainerEvent> Events, StatusCode? ThenFailWith);

    private sealed class ScriptedTrainer : Trainer.TrainerBase
    {
        private readonly Lock gate = new();

        public Queue<WatchScript> Streams { get; } = new();

        public List<long> WatchedFrom { get; } = [];

        public List<string> Authorizations { get; } = [];

        public override Task<TrainerStatus> GetStatus(GetStatusRequest request, ServerCallContext context)
        {
            Record(context);
            return Task.FromResult(new TrainerStatus { Phase = TrainerPhase.Idle });
        }

        public override Task<CheckpointInfo> Checkpoint(CheckpointRequest request, ServerCallContext context)
        {
            Record(context);
            return Task.FromResult(new CheckpointInfo { Step = 1, Path = "/ckpt/1" });
        }

        public override async Task Watch(WatchRequest request, IServerStreamWriter<TrainerEvent> responseStream, ServerCallContext context)
        {
            WatchScript script;
            lock (gate)
            {
                WatchedFrom.Add(request.FromSequence);
                script = Streams.Dequeue();
            }

            foreach (var trainerEvent in script.Events)
            {
                await responseStream.WriteAsync(trainerEvent, context.CancellationToken);
            }

            if (script.ThenFailWith is { } code)
            {
                throw new RpcException(new Status(code, "scripted failure"));
            }
        }

        private void Record(ServerCallContext context)
        {
            lock (gate)
            {
                Authorizations.Add(context.RequestHeaders.GetValue("authorization") ?? "");
            }
        }
    }

    private sealed class ScriptedServer(WebApplication app, Uri address) : IAsyncDisposable
    {
        public Uri Address { get; } = address;

        public static async Task<ScriptedServer> StartAsync(ScriptedTrainer trainer)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
            builder.Services.AddGrpc();
            builder.Services.AddSingleton(trainer);
            var app = builder.Build();
            app.MapGrpcService<ScriptedTrainer>();
            await app.StartAsync();
            var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            return new ScriptedServer(app, new Uri(bound.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)));
        }

        public async ValueTask DisposeAsync() => await app.DisposeAsync();
    }
}
