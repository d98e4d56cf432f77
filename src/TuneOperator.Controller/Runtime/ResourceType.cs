namespace TuneOperator.Controller.Runtime;

/// <summary>Where a kind lives in the API: group (empty for the core group), version and plural resource name.</summary>
/// <param name="Group">The API group, empty for core kinds such as pods.</param>
/// <param name="Version">The API version, for example <c>v1</c>.</param>
/// <param name="Plural">The plural resource name, for example <c>pods</c>.</param>
public sealed record ResourceType(string Group, string Version, string Plural)
{
    /// <summary>Core v1 pods.</summary>
    public static ResourceType Pods { get; } = new(string.Empty, "v1", "pods");

    /// <summary>Core v1 secrets.</summary>
    public static ResourceType Secrets { get; } = new(string.Empty, "v1", "secrets");

    /// <summary>Core v1 events.</summary>
    public static ResourceType Events { get; } = new(string.Empty, "v1", "events");

    /// <summary>coordination.k8s.io/v1 leases (leader election).</summary>
    public static ResourceType Leases { get; } = new("coordination.k8s.io", "v1", "leases");

    /// <summary>The <c>apiVersion</c> string of the kind.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : Group + "/" + Version;

    /// <inheritdoc />
    public override string ToString() => Group.Length == 0 ? Plural : Plural + "." + Group;
}
