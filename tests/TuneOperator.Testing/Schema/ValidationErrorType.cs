namespace TuneOperator.Testing.Schema;

/// <summary>The kinds of field errors, as kube-apiserver names them.</summary>
public enum ValidationErrorType
{
    /// <summary>"Invalid value".</summary>
    Invalid,

    /// <summary>"Required value".</summary>
    Required,

    /// <summary>"Unsupported value" (enum).</summary>
    NotSupported,

    /// <summary>"Duplicate value".</summary>
    Duplicate,

    /// <summary>"Forbidden".</summary>
    Forbidden,

    /// <summary>"Too long".</summary>
    TooLong,

    /// <summary>"Too many".</summary>
    TooMany,

    /// <summary>A field that the schema does not declare (strict field validation).</summary>
    UnknownField,
}
