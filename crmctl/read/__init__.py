"""Reading exports: sniffing, scanning, cell conversion and identity: the one road into crmctl."""
