using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TuneOperator.Controller.Hosting;
using TuneOperator.Controller.Metrics;
using TuneOperator.Controller.Runtime;
using Xunit;

namespace TuneOperator.Controller.Tests.Hosting;

public sealed class OperatorEndpointsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    private static (OperatorEndpoints Endpoints, OperatorHealth Health, OperatorMetrics Metrics, OperatorOptions Options) Create(bool debug)
    {
        var options = new OperatorOptions { HealthPort = FreePort(), MetricsPort = FreePort(), DebugEndpoints = debug, TrainerImage = "tune-trainer:dev" };
        var health = new OperatorHealth();
        var metrics = new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry());
        var endpoints = new OperatorEndpoints(Options.Create(options), health, metrics.Registry, NullLogger<OperatorEndpoints>.Instance);
        return (endpoints, health, metrics, options);
    }

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient http, HttpMethod method, int port, string path)
    {
        using var request = new HttpRequestMessage(method, new Uri($"http://127.0.0.1:{port}{path}"));
        using var response = await http.SendAsync(request, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Probes_and_metrics_are_served_on_their_own_ports()
    {
        var (endpoints, health, metrics, options) = Create(debug: false);
        using var _ = endpoints;
        using var http = new HttpClient();
        metrics.Reconciled("FineTuneJob", ReconcileOutcome.Success, TimeSpan.FromMilliseconds(3));
        await endpoints.StartAsync(Ct);

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "not running"), await SendAsync(http, HttpMethod.Get, options.HealthPort, "/healthz"));
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "operator not running"), await SendAsync(http, HttpMethod.Get, options.HealthPort, "/readyz"));
        health.SetRunning(true);
        Assert.Equal((HttpStatusCode.OK, "ok"), await SendAsync(http, HttpMethod.Get, options.HealthPort, "/healthz"));
        Assert.Equal((HttpStatusCode.OK, "ok"), await SendAsync(http, HttpMethod.Get, options.HealthPort, "/readyz"));

        var (status, body) = await SendAsync(http, HttpMethod.Get, options.MetricsPort, "/metrics");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("tuneoperator_reconcile_total{controller=\"FineTuneJob\",result=\"success\"} 1", body, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(http, HttpMethod.Get, options.HealthPort, "/metrics")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(http, HttpMethod.Get, options.MetricsPort, "/healthz")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(http, HttpMethod.Post, options.HealthPort, "/debug/gc")).Status);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await SendAsync(http, HttpMethod.Post, options.HealthPort, "/healthz")).Status);
        await endpoints.StopAsync(Ct);
    }

    [Fact]
    public async Task The_debug_gc_endpoint_answers_the_working_set_when_enabled()
    {
        var (endpoints, _, _, options) = Create(debug: true);
        using var __ = endpoints;
        using var http = new HttpClient();
        await endpoints.StartAsync(Ct);

        var (status, body) = await SendAsync(http, HttpMethod.Post, options.HealthPort, "/debug/gc");

        Assert.Equal(HttpStatusCode.OK, status);
        using var json = JsonDocument.Parse(body);
        Assert.True(json.RootElement.GetProperty("workingSetBytes").GetInt64() > 0);
        Assert.True(json.RootElement.GetProperty("managedHeapBytes").GetInt64() > 0);
        await endpoints.StopAsync(Ct);
    }
}
