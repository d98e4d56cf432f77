using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Prometheus;

namespace TuneOperator.Trainer.Control;

/// <summary>tune-trainer's options (section `Trainer`, environment prefix `TUNE_`, e.g. TUNE_Trainer__GrpcPort).</summary>
public sealed class TrainerHostOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Trainer";

    /// <summary>The HTTP/2-only port of the gRPC control service (0 picks a free port).</summary>
    [Range(0, 65535)]
    public int GrpcPort { get; set; } = 50051;

    /// <summary>The HTTP/1.1 port serving /metrics (0 picks a free port).</summary>
    [Range(0, 65535)]
    public int MetricsPort { get; set; } = 9090;

    /// <summary>The address to listen on.</summary>
    public string ListenAddress { get; set; } = "0.0.0.0";

    /// <summary>A file holding the per-job bearer token (the mounted Secret).</summary>
    public string? TokenFile { get; set; }

    /// <summary>The token itself, when no file is mounted (local mode passes it through the environment).</summary>
    public string? Token { get; set; }

    /// <summary>
    /// Where mounted paths are on this machine when pods run as local processes: <c>/mnt/pvc/data=/tmp/x/data;...</c>
    /// (see <see cref="PathMappings"/>). Empty in a cluster.
    /// </summary>
    public string? PathMap { get; set; }
}

/// <summary>Builds the tune-trainer web host: gRPC control on an HTTP/2-only port, /metrics on another.</summary>
public static class TrainerHost
{
    /// <summary>Creates the application; <paramref name="configureServices"/> registers the <see cref="ITrainingRunner"/>.</summary>
    public static WebApplication Build(string[] args, Action<IServiceCollection> configureServices)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddEnvironmentVariables("TUNE_");
        var options = builder.Configuration.GetSection(TrainerHostOptions.Section).Get<TrainerHostOptions>() ?? new TrainerHostOptions();
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        if (options.GrpcPort != 0 && options.GrpcPort == options.MetricsPort)
        {
            throw new ValidationException("Trainer:GrpcPort and Trainer:MetricsPort must differ: gRPC needs an HTTP/2-only port.");
        }

        var paths = PathMappings.Parse(options.PathMap);
        var token = TrainerToken.Load(options.TokenFile is null ? null : paths.Map(options.TokenFile), options.Token);
        var address = System.Net.IPAddress.Parse(options.ListenAddress);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, options.GrpcPort, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(address, options.MetricsPort, listen => listen.Protocols = HttpProtocols.Http1);
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(25));
        builder.Services.AddSingleton(token);
        builder.Services.AddSingleton(paths);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<TrainerSessions>();
        builder.Services.AddHostedService<TrainerShutdown>();
        builder.Services.AddGrpc(grpc => grpc.Interceptors.Add<BearerTokenInterceptor>());
        builder.Services.AddGrpcHealthChecks(health => health.UseHealthChecksCache = false)
            .AddCheck("control", () => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy("The control service accepts calls."));
        configureServices(builder.Services);

        var app = builder.Build();
        app.MapGrpcService<TrainerControlService>();
        app.MapGrpcHealthChecksService();
        app.MapMetrics();
        return app;
    }
}
