namespace TuneOperator.Api;

/// <summary>The API group and version of TuneOperator's resources.</summary>
public static class ApiGroup
{
    /// <summary>The API group.</summary>
    public const string Group = "tuneoperator.io";

    /// <summary>The served and stored version.</summary>
    public const string Version = "v1alpha1";

    /// <summary>apiVersion as written in manifests.</summary>
    public const string ApiVersion = Group + "/" + Version;
}
