using System.Threading.Channels;

namespace TuneOperator.Testing.Kube;

/// <summary>One open watch: the events queued for it and a way to drop it.</summary>
internal sealed class Watcher(ResourceType type, string? ns) : IDisposable
{
    public ResourceType Type { get; } = type;

    public string? Namespace { get; } = ns;

    public Channel<WatchEvent> Events { get; } = Channel.CreateUnbounded<WatchEvent>(new UnboundedChannelOptions { SingleReader = true });

    public CancellationTokenSource Dropped { get; } = new();

    /// <summary>Whether a drop resets the connection instead of ending the response cleanly.</summary>
    public bool Abort { get; set; }

    public bool Wants(string groupResource, string ns) =>
        groupResource == Type.GroupResource && (Namespace is null || Namespace == ns);

    public void Dispose() => Dropped.Dispose();
}
