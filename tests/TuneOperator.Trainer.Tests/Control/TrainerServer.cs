using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Sockets;
using TuneOperator.Protos;
using TuneOperator.Trainer.Control;

namespace TuneOperator.Trainer.Tests.Control;

/// <summary>The real tune-trainer host on loopback with a given runner, for contract tests.</summary>
internal sealed class TrainerServer : IAsyncDisposable
{
    public const string Token = "test-token-0123456789abcdef";

    private readonly WebApplication app;

    private TrainerServer(WebApplication app, int grpcPort, int metricsPort)
    {
        this.app = app;
        GrpcAddress = new Uri($"http://127.0.0.1:{grpcPort}");
        MetricsAddress = new Uri($"http://127.0.0.1:{metricsPort}");
    }

    public Uri GrpcAddress { get; }

    public Uri MetricsAddress { get; }

    public TrainerSessions Sessions => app.Services.GetRequiredService<TrainerSessions>();

    public static async Task<TrainerServer> StartAsync(ITrainingRunner runner)
    {
        var grpcPort = FreePort();
        var metricsPort = FreePort();
        var app = TrainerHost.Build(
            [
                $"--Trainer:GrpcPort={grpcPort}",
                $"--Trainer:MetricsPort={metricsPort}",
                "--Trainer:ListenAddress=127.0.0.1",
                $"--Trainer:Token={Token}",
                "--Logging:LogLevel:Default=Warning",
            ],
            services => services.AddSingleton(runner));
        await app.StartAsync();
        return new TrainerServer(app, grpcPort, metricsPort);
    }

    public TrainerConnection Connect(string token = Token) => new(GrpcAddress, token);

    public Task StopHostAsync() => app.StopAsync();

    public async ValueTask DisposeAsync() => await app.DisposeAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
