namespace TuneOperator.Testing.Kube;

/// <summary>A change recorded in the history window and fanned out to watchers.</summary>
internal sealed record WatchEvent(
    long ResourceVersion,
    string Type,
    string GroupResource,
    string Namespace,
    string Name,
    byte[] Object,
    Dictionary<string, string>? Labels,
    byte[]? OldObject,
    Dictionary<string, string>? OldLabels)
{
    public const string Added = "ADDED";
    public const string Modified = "MODIFIED";
    public const string Deleted = "DELETED";
    public const string Bookmark = "BOOKMARK";
    public const string Error = "ERROR";
}
