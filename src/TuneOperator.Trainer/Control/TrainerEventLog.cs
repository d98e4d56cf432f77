using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using TuneOperator.Protos;

namespace TuneOperator.Trainer.Control;

/// <summary>
/// The append-only log of a training session's events. Every event gets the next sequence number; a watcher asks for
/// the events after the last sequence it saw and then follows new ones, so a client that reconnects loses nothing.
/// Progress events are frequent and only the newest matters, so older progress events beyond
/// <see cref="MaxProgressEvents"/> are dropped from the log; every other event is kept for the session's lifetime.
/// </summary>
public sealed class TrainerEventLog(TimeProvider time)
{
    /// <summary>How many progress events the log keeps.</summary>
    public const int MaxProgressEvents = 256;

    private readonly Lock gate = new();
    private readonly List<TrainerEvent> events = [];
    private readonly List<Channel<TrainerEvent>> followers = [];
    private long lastSequence;
    private int progressCount;
    private bool closed;

    /// <summary>The sequence number of the newest event, 0 when there is none.</summary>
    public long LastSequence
    {
        get
        {
            lock (gate)
            {
                return lastSequence;
            }
        }
    }

    /// <summary>Appends an event, stamping its sequence number and time, and hands it to every follower.</summary>
    public TrainerEvent Append(TrainerEvent trainerEvent)
    {
        lock (gate)
        {
            if (closed)
            {
                throw new InvalidOperationException("The event log is closed: the session has ended.");
            }

            trainerEvent.Sequence = ++lastSequence;
            trainerEvent.Time = Timestamp.FromDateTimeOffset(time.GetUtcNow());
            events.Add(trainerEvent);
            if (trainerEvent.PayloadCase == TrainerEvent.PayloadOneofCase.Progress && ++progressCount > MaxProgressEvents)
            {
                var oldest = events.FindIndex(e => e.PayloadCase == TrainerEvent.PayloadOneofCase.Progress);
                events.RemoveAt(oldest);
                progressCount--;
            }

            foreach (var follower in followers)
            {
                follower.Writer.TryWrite(trainerEvent);
            }

            return trainerEvent;
        }
    }

    /// <summary>Ends the log: followers receive what is left and then their streams complete.</summary>
    public void Close()
    {
        lock (gate)
        {
            closed = true;
            foreach (var follower in followers)
            {
                follower.Writer.TryComplete();
            }

            followers.Clear();
        }
    }

    /// <summary>The events after <paramref name="fromSequence"/>, then every new one until the log closes or the token is cancelled.</summary>
    public async IAsyncEnumerable<TrainerEvent> ReadAsync(long fromSequence, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<TrainerEvent>(new UnboundedChannelOptions { SingleReader = true });
        lock (gate)
        {
            foreach (var past in events)
            {
                if (past.Sequence > fromSequence)
                {
                    channel.Writer.TryWrite(past);
                }
            }

            if (closed)
            {
                channel.Writer.TryComplete();
            }
            else
            {
                followers.Add(channel);
            }
        }

        try
        {
            await foreach (var next in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return next;
            }
        }
        finally
        {
            lock (gate)
            {
                followers.Remove(channel);
            }
        }
    }
}
