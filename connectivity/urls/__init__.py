"""The URLs of the domain: `client` (requests and their tasks), `staff` (review) and `files`
(configuration downloads); the project's urls.py mounts each."""
