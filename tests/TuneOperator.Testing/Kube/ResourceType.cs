namespace TuneOperator.Testing.Kube;

/// <summary>One resource the fake serves: where it lives in the URL space and how it behaves.</summary>
/// <param name="Group">The API group; empty for the core group.</param>
/// <param name="Version">The API version, e.g. <c>v1</c>.</param>
/// <param name="Plural">The lower-case plural used in URLs, e.g. <c>pods</c>.</param>
/// <param name="Kind">The kind, e.g. <c>Pod</c>.</param>
/// <param name="Namespaced">Whether objects live in a namespace.</param>
/// <param name="HasStatusSubresource">Whether <c>/status</c> is a separate subresource.</param>
public sealed record ResourceType(string Group, string Version, string Plural, string Kind, bool Namespaced, bool HasStatusSubresource)
{
    /// <summary>The apiVersion written into objects, e.g. <c>v1</c> or <c>apps/v1</c>.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : Group + "/" + Version;

    /// <summary>The kind of the list, e.g. <c>PodList</c>.</summary>
    public string ListKind => Kind + "List";

    /// <summary>The group and plural that identify the stored collection, whatever the version.</summary>
    public string GroupResource => Group.Length == 0 ? Plural : Plural + "." + Group;

    /// <summary>The lower-case singular name used in discovery.</summary>
    public string Singular => Kind.ToLowerInvariant();

    /// <inheritdoc />
    public override string ToString() => ApiVersion + "/" + Plural;
}
