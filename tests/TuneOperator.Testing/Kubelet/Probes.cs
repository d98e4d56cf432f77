using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using k8s.Models;

namespace TuneOperator.Testing.Kubelet;

/// <summary>Runs a container probe (grpc, tcpSocket, httpGet) against the Pod's address, as the kubelet does.</summary>
internal sealed class Probes(HttpClient http)
{
    /// <summary>Creates the HTTP client probes share: HTTP/2 without TLS for gRPC, no proxy, no redirects to follow.</summary>
    internal static HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromSeconds(5),
        ConnectTimeout = TimeSpan.FromSeconds(1),
    });

    /// <summary>Whether <paramref name="probe"/> succeeds now; the failure reason otherwise.</summary>
    internal async Task<(bool Success, string? Failure)> RunAsync(V1Probe probe, V1Container container, string podIP, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(Math.Max(1, probe.TimeoutSeconds ?? 1)));
        try
        {
            if (probe.Grpc is { } grpc)
            {
                return await GrpcAsync(podIP, grpc.Port, grpc.Service, timeout.Token);
            }

            if (probe.TcpSocket is { } tcp)
            {
                using var client = new TcpClient();
                await client.ConnectAsync(string.IsNullOrEmpty(tcp.Host) ? podIP : tcp.Host, Port(tcp.Port.Value, container), timeout.Token);
                return (true, null);
            }

            if (probe.HttpGet is { } get)
            {
                return await HttpGetAsync(get, container, podIP, timeout.Token);
            }

            if (probe.Exec is not null)
            {
                return (false, "exec probes are not supported by the local kubelet; use grpc, tcpSocket or httpGet");
            }

            return (false, "the probe names no handler (grpc, tcpSocket, httpGet)");
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return (false, e.Message);
        }
    }

    /// <summary>A container port by number or by name.</summary>
    internal static int Port(string? port, V1Container container)
    {
        if (int.TryParse(port, out var number))
        {
            return number;
        }

        return container.Ports?.FirstOrDefault(p => p.Name == port)?.ContainerPort
            ?? throw new IOException($"container '{container.Name}' has no port named '{port}'");
    }

    private async Task<(bool, string?)> HttpGetAsync(V1HTTPGetAction get, V1Container container, string podIP, CancellationToken cancellationToken)
    {
        if (string.Equals(get.Scheme, "HTTPS", StringComparison.OrdinalIgnoreCase))
        {
            return (false, "httpGet probes with scheme HTTPS are not supported by the local kubelet");
        }

        var path = string.IsNullOrEmpty(get.Path) ? "/" : get.Path;
        var uri = new Uri($"http://{(string.IsNullOrEmpty(get.Host) ? podIP : get.Host)}:{Port(get.Port.Value, container)}{(path.StartsWith('/') ? path : "/" + path)}");
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        foreach (var header in get.HttpHeaders ?? [])
        {
            request.Headers.TryAddWithoutValidation(header.Name, header.Value);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        var code = (int)response.StatusCode;
        return code is >= 200 and < 400 ? (true, null) : (false, $"HTTP probe failed with statuscode: {code}");
    }

    private async Task<(bool, string?)> GrpcAsync(string podIP, int port, string? service, CancellationToken cancellationToken)
    {
        // grpc.health.v1.Health/Check: HealthCheckRequest { string service = 1; } in one length-prefixed message.
        var name = Encoding.UTF8.GetBytes(service ?? string.Empty);
        var message = new List<byte>();
        if (name.Length > 0)
        {
            message.Add(0x0A);
            WriteVarint(message, (ulong)name.Length);
            message.AddRange(name);
        }

        var frame = new byte[5 + message.Count];
        frame[0] = 0;
        frame[1] = (byte)(message.Count >> 24);
        frame[2] = (byte)(message.Count >> 16);
        frame[3] = (byte)(message.Count >> 8);
        frame[4] = (byte)message.Count;
        message.CopyTo(frame, 5);

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"http://{podIP}:{port}/grpc.health.v1.Health/Check"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (false, $"gRPC health check answered HTTP {(int)response.StatusCode}");
        }

        var grpcStatus = response.TrailingHeaders.TryGetValues("grpc-status", out var trailer) ? trailer.FirstOrDefault()
            : response.Headers.TryGetValues("grpc-status", out var header) ? header.FirstOrDefault() : null;
        if (grpcStatus != "0")
        {
            return (false, $"gRPC health check failed with grpc-status {grpcStatus ?? "(none)"}");
        }

        // HealthCheckResponse { ServingStatus status = 1; } with SERVING = 1.
        var status = 0UL;
        var position = 5;
        while (position < body.Length)
        {
            var tag = ReadVarint(body, ref position);
            if (tag == 0x08)
            {
                status = ReadVarint(body, ref position);
            }
            else if ((tag & 7) == 2)
            {
                position += (int)ReadVarint(body, ref position);
            }
            else
            {
                ReadVarint(body, ref position);
            }
        }

        return status == 1 ? (true, null) : (false, $"service unhealthy (responded with status {status})");
    }

    private static void WriteVarint(List<byte> output, ulong value)
    {
        while (value >= 0x80)
        {
            output.Add((byte)(value | 0x80));
            value >>= 7;
        }

        output.Add((byte)value);
    }

    private static ulong ReadVarint(byte[] input, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; position < input.Length && shift < 64; shift += 7)
        {
            var b = input[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                break;
            }
        }

        return value;
    }
}
