using System.Text.Json.Nodes;

namespace TuneOperator.Testing.Kube;

/// <summary>An API error the fake answers with a <c>Status</c> object, as kube-apiserver does.</summary>
public sealed class KubeApiException : Exception
{
    /// <summary>Creates an error.</summary>
    /// <param name="code">The HTTP status code.</param>
    /// <param name="reason">The Status reason, e.g. <c>NotFound</c>.</param>
    /// <param name="message">The human-readable message.</param>
    /// <param name="details">The Status details (name, group, kind, causes), or null.</param>
    public KubeApiException(int code, string reason, string message, JsonObject? details = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Details = details;
    }

    /// <summary>The HTTP status code.</summary>
    public int Code { get; }

    /// <summary>The Status reason.</summary>
    public string Reason { get; }

    /// <summary>The Status details, or null.</summary>
    public JsonObject? Details { get; }

    /// <summary>The Status object sent to the client.</summary>
    public JsonObject ToStatus() => Status(Code, Reason, Message, Details);

    internal static JsonObject Status(int code, string reason, string message, JsonObject? details)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (details is not null)
        {
            status["details"] = details.DeepClone();
        }

        status["code"] = code;
        return status;
    }

    internal static KubeApiException NotFound(ResourceType type, string name) =>
        new(404, "NotFound", $"{type.GroupResource} \"{name}\" not found", Describe(type, name));

    internal static KubeApiException AlreadyExists(ResourceType type, string name) =>
        new(409, "AlreadyExists", $"{type.GroupResource} \"{name}\" already exists", Describe(type, name));

    internal static KubeApiException Conflict(ResourceType type, string name, string why) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {type.GroupResource} \"{name}\": {why}", Describe(type, name));

    internal static KubeApiException BadRequest(string message) => new(400, "BadRequest", message);

    internal static KubeApiException Invalid(ResourceType type, string name, IReadOnlyList<KubeFieldError> errors)
    {
        var details = Describe(type, name);
        var causes = new JsonArray();
        foreach (var error in errors)
        {
            causes.Add(new JsonObject { ["reason"] = error.Reason, ["message"] = error.Message, ["field"] = error.Field });
        }

        details["causes"] = causes;
        var summary = string.Join(", ", errors.Select(e => e.Field + ": " + e.Message));
        return new(422, "Invalid", $"{type.Kind} \"{name}\" is invalid: {summary}", details);
    }

    private static JsonObject Describe(ResourceType type, string name)
    {
        var details = new JsonObject { ["name"] = name };
        if (type.Group.Length > 0)
        {
            details["group"] = type.Group;
        }

        details["kind"] = type.Plural;
        return details;
    }
}
