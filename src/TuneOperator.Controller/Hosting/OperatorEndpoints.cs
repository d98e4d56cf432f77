using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;

namespace TuneOperator.Controller.Hosting;

/// <summary>
/// The operator's HTTP endpoints on a small <see cref="HttpListener"/> (no web framework, so the process maps and
/// compiles far less code): <c>GET /healthz</c> and <c>GET /readyz</c> on the health port, <c>GET /metrics</c>
/// (Prometheus text format) on the metrics port, and <c>POST /debug/gc</c> on the health port when
/// <see cref="OperatorOptions.DebugEndpoints"/> is set. Every address of the machine is served.
/// </summary>
public sealed partial class OperatorEndpoints(
    IOptions<OperatorOptions> options, OperatorHealth health, CollectorRegistry registry, ILogger<OperatorEndpoints> logger) : BackgroundService
{
    private readonly OperatorOptions settings = options.Value;
    private readonly HttpListener listener = new() { IgnoreWriteExceptions = true };

    /// <inheritdoc />
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        listener.Prefixes.Add(Prefix(settings.HealthPort));
        listener.Prefixes.Add(Prefix(settings.MetricsPort));
        try
        {
            listener.Start();
        }
        catch (HttpListenerException ex)
        {
            throw new InvalidOperationException(
                $"cannot listen on the health port {settings.HealthPort} or the metrics port {settings.MetricsPort}: {ex.Message}. "
                + "Choose free ports with --health-port and --metrics-port.", ex);
        }

        LogListening(logger, settings.HealthPort, settings.MetricsPort);
        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        listener.Stop();
        await base.StopAsync(cancellationToken);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        listener.Close();
        base.Dispose();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stop = stoppingToken.Register(static state => ((HttpListener)state!).Stop(), listener);
        while (!stoppingToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                // Stopped.
                break;
            }

            // Requests are short; each runs on its own so a slow client never blocks the probes.
            _ = Task.Run(() => ServeAsync(context, stoppingToken), CancellationToken.None);
        }
    }

    private async Task ServeAsync(HttpListenerContext context, CancellationToken cancellationToken)
    {
        var response = context.Response;
        try
        {
            var request = context.Request;
            var port = request.LocalEndPoint.Port;
            var path = request.Url?.AbsolutePath ?? "/";
            var method = request.HttpMethod;
            if (port == settings.MetricsPort && path == "/metrics")
            {
                if (RequireMethod(response, method, "GET"))
                {
                    response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                    using var buffer = new MemoryStream();
                    await registry.CollectAndExportAsTextAsync(buffer, cancellationToken);
                    response.ContentLength64 = buffer.Length;
                    buffer.Position = 0;
                    await buffer.CopyToAsync(response.OutputStream, cancellationToken);
                }
            }
            else if (port == settings.HealthPort && path == "/healthz")
            {
                if (RequireMethod(response, method, "GET"))
                {
                    await WriteTextAsync(response, health.IsLive ? 200 : 503, health.IsLive ? "ok" : "not running", cancellationToken);
                }
            }
            else if (port == settings.HealthPort && path == "/readyz")
            {
                if (RequireMethod(response, method, "GET"))
                {
                    var (ready, detail) = health.Readiness();
                    await WriteTextAsync(response, ready ? 200 : 503, detail, cancellationToken);
                }
            }
            else if (port == settings.HealthPort && path == "/debug/gc" && settings.DebugEndpoints)
            {
                if (RequireMethod(response, method, "POST"))
                {
                    var result = DebugEndpoints.CollectGarbage();
                    response.ContentType = "application/json; charset=utf-8";
                    await WriteBodyAsync(response, 200, result.ToJson(), cancellationToken);
                }
            }
            else
            {
                await WriteTextAsync(response, 404, "not found", cancellationToken);
            }
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away or the operator is stopping.
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
            {
                // Already closed.
            }
        }
    }

    private static bool RequireMethod(HttpListenerResponse response, string method, string allowed)
    {
        if (string.Equals(method, allowed, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        response.StatusCode = 405;
        response.AddHeader("Allow", allowed);
        return false;
    }

    private static Task WriteTextAsync(HttpListenerResponse response, int status, string text, CancellationToken cancellationToken)
    {
        response.ContentType = "text/plain; charset=utf-8";
        return WriteBodyAsync(response, status, text, cancellationToken);
    }

    private static async Task WriteBodyAsync(HttpListenerResponse response, int status, string body, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        response.StatusCode = status;
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes, cancellationToken);
    }

    private static string Prefix(int port) => "http://+:" + port.ToString(CultureInfo.InvariantCulture) + "/";

    [LoggerMessage(2101, LogLevel.Information, "Serving /healthz and /readyz on port {HealthPort}, /metrics on port {MetricsPort}")]
    private static partial void LogListening(ILogger logger, int healthPort, int metricsPort);
}
