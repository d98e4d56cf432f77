using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace TuneOperator.Trainer.Control;

/// <summary>
/// Refuses every call without the job's bearer token (`authorization: Bearer &lt;token&gt;`) with Unauthenticated.
/// The standard health service stays open so kubelet's gRPC probes work. The token is compared in constant time and
/// never logged.
/// </summary>
public sealed class BearerTokenInterceptor(TrainerToken token) : Interceptor
{
    private const string HealthServicePrefix = "/grpc.health.v1.Health/";

    /// <inheritdoc />
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(request, context);
    }

    /// <inheritdoc />
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(request, responseStream, context);
    }

    /// <inheritdoc />
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(requestStream, context);
    }

    /// <inheritdoc />
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Authenticate(ServerCallContext context)
    {
        if (context.Method.StartsWith(HealthServicePrefix, StringComparison.Ordinal))
        {
            return;
        }

        var header = context.RequestHeaders.GetValue("authorization");
        const string scheme = "Bearer ";
        if (header is null || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "Missing bearer token: send 'authorization: Bearer <token>' with the job's trainer token."));
        }

        var presented = Encoding.UTF8.GetBytes(header[scheme.Length..].Trim());
        if (!CryptographicOperations.FixedTimeEquals(presented, token.Bytes))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "Invalid bearer token."));
        }
    }
}

/// <summary>The per-job token the trainer accepts, read from a file (the mounted Secret) or an environment variable.</summary>
public sealed class TrainerToken
{
    private TrainerToken(byte[] bytes) => Bytes = bytes;

    /// <summary>The token's UTF-8 bytes.</summary>
    public byte[] Bytes { get; }

    /// <summary>A token from its text.</summary>
    public static TrainerToken FromText(string text)
    {
        var trimmed = text.Trim();
        return trimmed.Length < 16
            ? throw new ArgumentException("The trainer token must be at least 16 characters long.", nameof(text))
            : new TrainerToken(Encoding.UTF8.GetBytes(trimmed));
    }

    /// <summary>Reads the token from <paramref name="tokenFile"/> when given, else from <paramref name="tokenText"/>.</summary>
    public static TrainerToken Load(string? tokenFile, string? tokenText)
    {
        if (!string.IsNullOrEmpty(tokenFile))
        {
            return File.Exists(tokenFile)
                ? FromText(File.ReadAllText(tokenFile))
                : throw new ArgumentException($"Trainer:TokenFile '{tokenFile}' does not exist: mount the job's token Secret there or set Trainer:Token.");
        }

        return !string.IsNullOrEmpty(tokenText)
            ? FromText(tokenText)
            : throw new ArgumentException("No trainer token: set Trainer:TokenFile (the mounted Secret) or Trainer:Token (env TUNE_Trainer__Token).");
    }
}
