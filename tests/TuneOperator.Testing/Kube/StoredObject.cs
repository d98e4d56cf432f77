namespace TuneOperator.Testing.Kube;

/// <summary>One stored object: its serialized JSON plus the few fields the store indexes. Kept small on purpose.</summary>
internal sealed class StoredObject(ResourceType type, string ns, string name, string uid, long resourceVersion, byte[] json,
    Dictionary<string, string>? labels, string[]? ownerUids)
{
    public ResourceType Type { get; } = type;

    public string Namespace { get; } = ns;

    public string Name { get; } = name;

    public string Uid { get; } = uid;

    public long ResourceVersion { get; } = resourceVersion;

    public byte[] Json { get; } = json;

    public Dictionary<string, string>? Labels { get; } = labels;

    public string[]? OwnerUids { get; } = ownerUids;

    /// <summary>A graceful Pod deletion whose grace period has run out (the kubelet has confirmed termination).</summary>
    public bool GraceElapsed { get; set; }

    public string Key => StoreKey(Namespace, Name);

    public static string StoreKey(string ns, string name) => ns + "/" + name;
}
