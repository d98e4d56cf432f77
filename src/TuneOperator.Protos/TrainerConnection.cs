using System.Runtime.CompilerServices;
using Grpc.Core;
using Grpc.Net.Client;

namespace TuneOperator.Protos;

/// <summary>
/// The typed trainer client the operator and `tune run` share: one channel to one trainer, every call carrying the
/// job's bearer token, and a Watch that reconnects from the last sequence it saw so no event is lost.
/// </summary>
public sealed class TrainerConnection : IDisposable
{
    private readonly GrpcChannel channel;
    private readonly Metadata headers;

    /// <summary>Connects to the trainer at <paramref name="address"/> (e.g. http://10.0.0.5:50051) with the job's token.</summary>
    public TrainerConnection(Uri address, string token, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler ?? new SocketsHttpHandler { EnableMultipleHttp2Connections = true, KeepAlivePingDelay = TimeSpan.FromSeconds(20), KeepAlivePingTimeout = TimeSpan.FromSeconds(10) },
            MaxReceiveMessageSize = 16 * 1024 * 1024,
        });
        headers = new Metadata { { "authorization", "Bearer " + token } };
        Client = new Trainer.TrainerClient(channel);
        Address = address;
    }

    /// <summary>The trainer's address.</summary>
    public Uri Address { get; }

    /// <summary>The generated client, for calls this class does not wrap.</summary>
    public Trainer.TrainerClient Client { get; }

    /// <summary>The headers every call must carry (the bearer token).</summary>
    public Metadata Headers => headers;

    /// <summary>Starts (or re-attaches to) the plan.</summary>
    public async Task<StartResponse> StartAsync(StartRequest request, CancellationToken cancellationToken) =>
        await Client.StartAsync(request, headers, cancellationToken: cancellationToken);

    /// <summary>The trainer's status.</summary>
    public async Task<TrainerStatus> GetStatusAsync(CancellationToken cancellationToken) =>
        await Client.GetStatusAsync(new GetStatusRequest(), headers, cancellationToken: cancellationToken);

    /// <summary>Saves a checkpoint now.</summary>
    public async Task<CheckpointInfo> CheckpointAsync(CancellationToken cancellationToken) =>
        await Client.CheckpointAsync(new CheckpointRequest(), headers, cancellationToken: cancellationToken);

    /// <summary>Pauses training at the next step boundary.</summary>
    public async Task<TrainerStatus> PauseAsync(CancellationToken cancellationToken) =>
        await Client.PauseAsync(new PauseRequest(), headers, cancellationToken: cancellationToken);

    /// <summary>Resumes paused training.</summary>
    public async Task<TrainerStatus> ResumeAsync(CancellationToken cancellationToken) =>
        await Client.ResumeAsync(new ResumeRequest(), headers, cancellationToken: cancellationToken);

    /// <summary>Stops training; graceful saves a checkpoint first. Returns once the run has ended.</summary>
    public async Task<TrainerStatus> StopAsync(bool graceful, CancellationToken cancellationToken) =>
        await Client.StopAsync(new StopRequest { Graceful = graceful }, headers, cancellationToken: cancellationToken);

    /// <summary>
    /// Streams the events after <paramref name="fromSequence"/>. When the stream breaks (trainer restarting, network),
    /// it reconnects after <paramref name="retryDelay"/> from the last sequence it yielded, until the run's final event
    /// (completed, failed or stopped) has been yielded, the server ends the stream after one, or the token is cancelled.
    /// Authentication and argument errors are not retried.
    /// </summary>
    public async IAsyncEnumerable<TrainerEvent> WatchAsync(long fromSequence, TimeSpan retryDelay, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var last = fromSequence;
        while (!cancellationToken.IsCancellationRequested)
        {
            using var call = Client.Watch(new WatchRequest { FromSequence = last }, headers, cancellationToken: cancellationToken);
            var stream = call.ResponseStream;
            var ended = false;
            var broken = false;
            while (!ended && !broken)
            {
                bool moved;
                try
                {
                    moved = await stream.MoveNext(cancellationToken);
                }
                catch (RpcException error) when (IsTransient(error.StatusCode) && !cancellationToken.IsCancellationRequested)
                {
                    broken = true;
                    continue;
                }

                if (!moved)
                {
                    // The server completes the stream when its session's log is closed: the run has ended.
                    yield break;
                }

                var next = stream.Current;
                last = next.Sequence;
                ended = IsFinal(next);
                yield return next;
            }

            if (ended)
            {
                yield break;
            }

            await Task.Delay(retryDelay, cancellationToken);
        }
    }

    /// <summary>True for the event that ends a run.</summary>
    public static bool IsFinal(TrainerEvent trainerEvent) =>
        trainerEvent.PayloadCase is TrainerEvent.PayloadOneofCase.Completed or TrainerEvent.PayloadOneofCase.Failed
        || (trainerEvent.PayloadCase == TrainerEvent.PayloadOneofCase.PhaseChanged && trainerEvent.PhaseChanged.Phase == TrainerPhase.Stopped);

    /// <inheritdoc />
    public void Dispose() => channel.Dispose();

    private static bool IsTransient(StatusCode code) =>
        code is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.Aborted or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted;
}
