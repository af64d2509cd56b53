package catalog

// Message catalogue codes (locales/*/catalog.json). They are part of the
// contract with the web layer and never change once released.
const (
	// Content of a procedure or a regulation.
	CodeRequired        = "catalog.required"
	CodeInvalid         = "catalog.invalid"
	CodeInvalidTerm     = "catalog.invalid_term"
	CodeInvalidDate     = "catalog.invalid_date"
	CodeInvalidNumber   = "catalog.invalid_number"
	CodeInvalidCode     = "catalog.invalid_code"
	CodeInvalidURL      = "catalog.invalid_url"
	CodeInvalidAmount   = "catalog.invalid_amount"
	CodeUnknownValue    = "catalog.unknown_value"
	CodeDuplicate       = "catalog.duplicate"
	CodeChapterMismatch = "catalog.chapter_mismatch"
	CodeNotAllowed      = "catalog.not_allowed"
	CodeBothRequired    = "catalog.required_conflict"
	CodeUnknownField    = "catalog.unknown_form_field"
	CodeUnknownOption   = "catalog.unknown_option"
	CodeUnknownDocument = "catalog.unknown_document"
	CodeSelfReference   = "catalog.self_reference"
	CodeOptionsRequired = "catalog.options_required"
	CodeInvalidPattern  = "catalog.invalid_pattern"
	CodeInvalidRange    = "catalog.invalid_range"
	CodeInvalidFileType = "catalog.invalid_file_type"
	CodeMaxSize         = "catalog.invalid_max_size"
	CodeDocNotInForm    = "catalog.document_not_in_form"
	CodeFeeAmbiguous    = "catalog.fee_ambiguous"
	CodeExtendedTerm    = "catalog.extended_term_not_longer"
	CodeMappingFile     = "catalog.mapping_file_field"

	// Files.
	CodeImportInvalid     = "catalog.import_invalid"
	CodeSyntax            = "catalog.syntax"
	CodeUnknownKey        = "catalog.unknown_key"
	CodeDuplicateKey      = "catalog.duplicate_key"
	CodeWrongType         = "catalog.wrong_type"
	CodeDuplicateFile     = "catalog.duplicate_procedure"
	CodeImportInProgress  = "catalog.import_in_progress"
	CodeNoFiles           = "catalog.import_no_files"
	CodeEffectiveBeforeIn = "catalog.effective_date_before_previous"

	// Lifecycle.
	CodeProcedureNotFound = "catalog.procedure_not_found"
	CodeProcedureExists   = "catalog.procedure_exists"
	CodeVersionNotFound   = "catalog.version_not_found"
	CodeNotInForce        = "catalog.not_in_force"
	CodeTransition        = "catalog.transition_forbidden"
	CodeInProgress        = "catalog.version_in_progress"
	CodeReasonRequired    = "catalog.reason_required"
	CodeAlreadyDecided    = "catalog.already_decided"
	CodeNotRegulator      = "catalog.not_regulator"
	CodeNotOperator       = "catalog.not_operator"
	CodeNotOwner          = "catalog.not_owner"
	CodeOwnerUnknown      = "catalog.resource_owner_unknown"

	// A citizen's application against the form.
	CodeFormRequired      = "catalog.form.required"
	CodeFormUnknown       = "catalog.form.unknown_field"
	CodeFormTooShort      = "catalog.form.too_short"
	CodeFormTooLong       = "catalog.form.too_long"
	CodeFormPattern       = "catalog.form.pattern"
	CodeFormNumber        = "catalog.form.number"
	CodeFormTooSmall      = "catalog.form.too_small"
	CodeFormTooLarge      = "catalog.form.too_large"
	CodeFormDate          = "catalog.form.date"
	CodeFormChoice        = "catalog.form.choice"
	CodeFormUIDFormat     = "catalog.form.uid_format"
	CodeFormUIDCheckDigit = "catalog.form.uid_check_digit"
	CodeFormPhoneFormat   = "catalog.form.phone_format"
	CodeFormPhoneOperator = "catalog.form.phone_operator"
	CodeFormFileType      = "catalog.form.file_type"
	CodeFormFileSize      = "catalog.form.file_size"
	CodeFormFileEmpty     = "catalog.form.file_empty"
	CodeFormNotFile       = "catalog.form.not_a_file"
)

// Codes lists every code above, for the test that proves the message
// catalogue has them all.
var Codes = []string{
	CodeRequired, CodeInvalid, CodeInvalidTerm, CodeInvalidDate, CodeInvalidNumber, CodeInvalidCode,
	CodeInvalidURL, CodeInvalidAmount, CodeUnknownValue, CodeDuplicate, CodeChapterMismatch, CodeNotAllowed,
	CodeBothRequired, CodeUnknownField, CodeUnknownOption, CodeUnknownDocument, CodeSelfReference,
	CodeOptionsRequired, CodeInvalidPattern, CodeInvalidRange, CodeInvalidFileType, CodeMaxSize,
	CodeDocNotInForm, CodeFeeAmbiguous, CodeExtendedTerm, CodeMappingFile,
	CodeImportInvalid, CodeSyntax, CodeUnknownKey, CodeDuplicateKey, CodeWrongType, CodeDuplicateFile,
	CodeProcedureNotFound, CodeProcedureExists, CodeVersionNotFound, CodeNotInForce, CodeTransition,
	CodeInProgress, CodeReasonRequired, CodeAlreadyDecided, CodeNotRegulator, CodeNotOperator, CodeNotOwner,
	CodeOwnerUnknown,
	CodeFormRequired, CodeFormUnknown, CodeFormTooShort, CodeFormTooLong, CodeFormPattern, CodeFormNumber,
	CodeFormTooSmall, CodeFormTooLarge, CodeFormDate, CodeFormChoice, CodeFormUIDFormat, CodeFormUIDCheckDigit,
	CodeFormPhoneFormat, CodeFormPhoneOperator, CodeFormFileType, CodeFormFileSize, CodeFormFileEmpty,
	CodeFormNotFile,
}
