namespace TuneOperator.Api;

/// <summary>Regular expressions shared by the schema, the validators and the documentation.</summary>
public static class Patterns
{
    /// <summary>A storage location: <c>pvc://&lt;claim&gt;/&lt;path&gt;</c> (a PersistentVolumeClaim in the job's
    /// namespace) or <c>file:///&lt;absolute path&gt;</c> (local mode).</summary>
    public const string Location = @"^(pvc://[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(/[^\s]*)?|file:///[^\s]*)$";

    /// <summary>How a location is written, for error messages.</summary>
    public const string LocationExample = "pvc://<claim>/<path> or file:///<absolute path>";

    /// <summary>A Kubernetes object name (RFC 1123 DNS subdomain, at most 253 characters).</summary>
    public const string ObjectName = @"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$";

    /// <summary>A short name (RFC 1123 label, at most 63 characters).</summary>
    public const string Label = @"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

    /// <summary>A Kubernetes resource quantity, e.g. <c>4</c>, <c>500m</c>, <c>16Gi</c>.</summary>
    public const string Quantity = @"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";

    /// <summary>A duration such as <c>30s</c>, <c>5m</c>, <c>1h30m</c>.</summary>
    public const string Duration = @"^([0-9]+(h|m|s|ms))+$";

    /// <summary>A metric name as it appears in <c>status.metrics</c>, e.g. <c>evalLoss</c>.</summary>
    public const string MetricName = @"^[a-zA-Z][a-zA-Z0-9_]*$";

    /// <summary>A module name suffix used to select LoRA targets, e.g. <c>q_proj</c>.</summary>
    public const string ModuleName = @"^[a-zA-Z_][a-zA-Z0-9_.]*$";

    /// <summary>A container image reference.</summary>
    public const string Image = @"^[a-zA-Z0-9][a-zA-Z0-9._/:@-]*$";
}
