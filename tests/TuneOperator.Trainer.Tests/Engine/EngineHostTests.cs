using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using TuneOperator.Api;
using TuneOperator.Protos;
using TuneOperator.Trainer.Control;
using TuneOperator.Trainer.Engine;
using TuneOperator.Trainer.Tests.Training;
using Xunit;

namespace TuneOperator.Trainer.Tests.Engine;

[Collection(SerialTorchCollection.Name)]
public sealed class EngineHostTests : IDisposable
{
    private const string Token = "engine-test-token-0123456789";
    private readonly EngineTestKit kit = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => kit.Dispose();

    [Fact]
    public async Task The_real_host_trains_a_plan_from_Start_to_Completed_with_checkpoints_and_output_on_disk()
    {
        var spec = kit.Plan(kit.WriteChats("train.jsonl", EngineTestKit.CopyRows(3).Take(64)), DatasetFormat.Chat, kit.PathOf("out"));
        spec.Dataset.ValidationSplit = 0.1;
        spec.Hyperparameters.MaxSteps = 6;
        spec.Evaluation = new EvaluationSpec { EverySteps = 3 };
        spec.Checkpoint = new CheckpointSpec { Location = kit.PathOf("checkpoints"), EverySteps = 3, KeepLast = 2 };
        var grpcPort = FreePort();
        await using var app = TrainerHost.Build(
            [$"--Trainer:GrpcPort={grpcPort}", $"--Trainer:MetricsPort={FreePort()}", "--Trainer:ListenAddress=127.0.0.1", $"--Trainer:Token={Token}", "--Logging:LogLevel:Default=Warning"],
            services => services.AddSingleton<ITrainingRunner, EngineTrainingRunner>());
        await app.StartAsync(Ct);
        using var connection = new TrainerConnection(new Uri($"http://127.0.0.1:{grpcPort}"), Token);

        var started = await connection.StartAsync(
            new StartRequest { JobUid = "uid-9", JobNamespace = "ml", JobName = "copy", Attempt = 1, PlanJson = JsonSerializer.Serialize(spec, ApiJson.Options) },
            Ct);
        var events = new List<TrainerEvent>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        await foreach (var trainerEvent in connection.WatchAsync(0, TimeSpan.FromMilliseconds(100), timeout.Token))
        {
            events.Add(trainerEvent);
        }

        Assert.True(started.Accepted);
        var completed = events[^1].Completed;
        Assert.NotNull(completed);
        Assert.Equal(kit.PathOf("out"), completed.OutputPath);
        Assert.True(File.Exists(Path.Combine(completed.OutputPath, "model.safetensors")));
        Assert.Equal(ContentDigest.OfDirectory(completed.OutputPath, Ct), completed.OutputDigest);
        Assert.StartsWith("sha256:", completed.Lineage.SpecHash, StringComparison.Ordinal);
        Assert.Equal([1L, 2, 3, 4, 5, 6], events.Where(e => e.Progress is not null).Select(e => e.Progress.Step));
        Assert.Equal([3L, 6], events.Where(e => e.CheckpointSaved is not null).Select(e => e.CheckpointSaved.Step));
        Assert.All(events.Where(e => e.CheckpointSaved is not null), e => Assert.True(Directory.Exists(e.CheckpointSaved.Path)));
        Assert.Equal([0L, 3, 6], events.Where(e => e.Eval is not null).Select(e => e.Eval.Step)); // step 0: the baseline before training
        Assert.Equal(events.Select(e => e.Sequence).Order(), events.Select(e => e.Sequence));
        var status = await connection.GetStatusAsync(Ct);
        Assert.Equal(TrainerPhase.Succeeded, status.Phase);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
